package dev.streamcl.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * What {@code streamcl broker --security sasl-scram[-tls]} runs: a broker with SASL/SCRAM-SHA-512 and
 * ACLs, its super user {@value BrokerSecurity#ADMIN}, and the pipeline user {@value #PIPELINE_USER},
 * allowed everything on its topics, consumer groups and transactional ids (see
 * {@link KafkaAccess#pipelineAcls}) and nothing else. Passwords are made up on the first start and kept
 * in the data dir ({@code credentials.properties}); each user gets a client properties file there,
 * {@code client-<user>.properties}, to pass with {@code --client-properties}.
 */
public final class SecuredLocalKafka implements AutoCloseable {
  public static final String PIPELINE_USER = "streamcl";

  private final EmbeddedKafkaBroker broker;
  private final BrokerSecurity security;
  private final Path dataDir;

  private SecuredLocalKafka(EmbeddedKafkaBroker broker, BrokerSecurity security, Path dataDir) {
    this.broker = broker;
    this.security = security;
    this.dataDir = dataDir;
  }

  /**
   * @param broker port, partitions and other settings; its data dir and security are set here
   * @param tls SASL_SSL with a self-signed certificate made now, instead of SASL_PLAINTEXT
   * @param topicPrefix the topics the pipeline user may use
   */
  public static SecuredLocalKafka start(EmbeddedKafkaBroker.Builder broker, Path dataDir, boolean tls,
      String topicPrefix) throws IOException {
    Path dir = dataDir.toAbsolutePath();
    Files.createDirectories(dir);
    Properties credentials = credentials(dir);
    String adminPassword = credentials.getProperty(BrokerSecurity.ADMIN);
    BrokerSecurity security = tls
        ? BrokerSecurity.saslScramOverTls(adminPassword, SelfSignedCertificate.generate(dir.resolve("tls")))
        : BrokerSecurity.saslScram(adminPassword);
    SecuredLocalKafka started = new SecuredLocalKafka(broker.dataDir(dir).security(security).start(), security, dir);
    try {
      started.writeClientProperties(BrokerSecurity.ADMIN, adminPassword);
      started.addUser(PIPELINE_USER, credentials.getProperty(PIPELINE_USER));
      KafkaAccess.grant(started.broker.adminProperties(), KafkaAccess.pipelineAcls(PIPELINE_USER, topicPrefix));
      return started;
    } catch (RuntimeException | IOException e) {
      started.close();
      throw e;
    }
  }

  public EmbeddedKafkaBroker broker() {
    return broker;
  }

  /** Creates the user (or sets its password) and writes its client properties file; it has no ACL yet. */
  public Path addUser(String user, String password) throws IOException {
    KafkaAccess.upsertUser(broker.adminProperties(), user, password);
    return writeClientProperties(user, password);
  }

  /** The client properties file of a user this class wrote. */
  public Path clientPropertiesFile(String user) {
    return dataDir.resolve("client-" + user + ".properties");
  }

  @Override
  public void close() {
    broker.close();
  }

  private Path writeClientProperties(String user, String password) throws IOException {
    Path file = clientPropertiesFile(user);
    // No bootstrap.servers: it would silently override --bootstrap.
    Secrets.store(security.clientProperties(user, password), file, "Kafka client settings of user " + user
        + ": streamcl <command> --bootstrap " + broker.bootstrap() + " --client-properties " + file);
    return file;
  }

  /** The users' passwords, made up and stored on the first start so a kept data dir keeps its logins. */
  private static Properties credentials(Path dir) throws IOException {
    Path file = dir.resolve("credentials.properties");
    Properties credentials = new Properties();
    if (Files.exists(file)) {
      try (InputStream in = Files.newInputStream(file)) {
        credentials.load(in);
      }
    }
    int known = credentials.size();
    for (String user : new String[] {BrokerSecurity.ADMIN, PIPELINE_USER}) {
      credentials.putIfAbsent(user, Secrets.newPassword());
    }
    if (credentials.size() != known) {
      Secrets.store(credentials, file, "SCRAM passwords of the local broker's users");
    }
    return credentials;
  }
}
