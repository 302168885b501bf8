package dev.streamcl.ops;

import java.util.List;
import java.util.Properties;

/**
 * A secured broker's settings: SASL/SCRAM-SHA-512 on the client listener (over TLS with a self-signed
 * certificate, or over plain TCP), the {@code StandardAuthorizer} that denies whatever no ACL allows, and
 * one super user, the admin, whose SCRAM credential is written into the metadata when the storage is
 * formatted. The KRaft controller listener authenticates the same admin with SASL/PLAIN: SCRAM
 * credentials live in the metadata log the controller itself serves, so the controller cannot use them.
 */
public final class BrokerSecurity {
  public static final String MECHANISM = "SCRAM-SHA-512";
  public static final String ADMIN = "admin";

  private final String adminPassword;
  private final SelfSignedCertificate tls;

  private BrokerSecurity(String adminPassword, SelfSignedCertificate tls) {
    if (!adminPassword.matches("[A-Za-z0-9]+")) {
      // kafka-storage's --add-scram syntax has no quoting: ',', '=' and ']' would end the value.
      throw new IllegalArgumentException("The admin password may hold letters and digits only");
    }
    this.adminPassword = adminPassword;
    this.tls = tls;
  }

  /** SASL/SCRAM over plain TCP ({@code SASL_PLAINTEXT}). */
  public static BrokerSecurity saslScram(String adminPassword) {
    return new BrokerSecurity(adminPassword, null);
  }

  /** SASL/SCRAM over TLS ({@code SASL_SSL}) with this certificate. */
  public static BrokerSecurity saslScramOverTls(String adminPassword, SelfSignedCertificate certificate) {
    return new BrokerSecurity(adminPassword, certificate);
  }

  /** The client listener's security protocol, also its listener name. */
  public String protocol() {
    return tls == null ? "SASL_PLAINTEXT" : "SASL_SSL";
  }

  /** The admin's client settings. */
  public Properties adminClientProperties() {
    return clientProperties(ADMIN, adminPassword);
  }

  /** What a client of this broker needs besides {@code bootstrap.servers} to log in as this user. */
  public Properties clientProperties(String user, String password) {
    Properties p = new Properties();
    p.put("security.protocol", protocol());
    p.put("sasl.mechanism", MECHANISM);
    p.put("sasl.jaas.config", jaas("org.apache.kafka.common.security.scram.ScramLoginModule", user, password, ""));
    if (tls != null) {
      p.put("ssl.truststore.type", "PEM");
      p.put("ssl.truststore.location", tls.certificatePem().toString());
    }
    return p;
  }

  /** Settings on top of the broker's plain ones; {@code listener} is {@link #protocol()}. */
  Properties serverProperties() {
    String listener = protocol().toLowerCase();
    Properties p = new Properties();
    p.put("listener.security.protocol.map", protocol() + ":" + protocol() + ",CONTROLLER:SASL_PLAINTEXT");
    p.put("sasl.enabled.mechanisms", MECHANISM);
    p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
    p.put("listener.name." + listener + ".sasl.enabled.mechanisms", MECHANISM);
    p.put("listener.name." + listener + "." + MECHANISM.toLowerCase() + ".sasl.jaas.config",
        jaas("org.apache.kafka.common.security.scram.ScramLoginModule", ADMIN, adminPassword, ""));
    p.put("sasl.mechanism.controller.protocol", "PLAIN");
    p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
    p.put("listener.name.controller.plain.sasl.jaas.config", jaas(
        "org.apache.kafka.common.security.plain.PlainLoginModule", ADMIN, adminPassword,
        " user_" + ADMIN + "=\"" + adminPassword + "\""));
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("super.users", "User:" + ADMIN);
    p.put("allow.everyone.if.no.acl.found", "false");
    if (tls != null) {
      p.put("ssl.keystore.type", "PKCS12");
      p.put("ssl.keystore.location", tls.keystore().toString());
      p.put("ssl.keystore.password", tls.password());
      p.put("ssl.key.password", tls.password());
      p.put("ssl.truststore.type", "PEM");
      p.put("ssl.truststore.location", tls.certificatePem().toString());
    }
    return p;
  }

  /** {@code kafka-storage format} arguments that store the admin's SCRAM credential. */
  List<String> formatArguments() {
    return List.of("--add-scram", MECHANISM + "=[name=" + ADMIN + ",password=" + adminPassword + "]");
  }

  private static String jaas(String module, String user, String password, String extra) {
    return module + " required username=\"" + user + "\" password=\"" + password + "\"" + extra + ";";
  }
}
