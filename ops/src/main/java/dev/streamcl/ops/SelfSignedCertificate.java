package dev.streamcl.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A broker key and self-signed certificate for 127.0.0.1 and localhost, made by the JDK's
 * {@code keytool} (no certificate library is on the class path): a PKCS12 keystore for the broker and
 * the certificate as PEM, the truststore of its clients. Made anew on every start; clients read the PEM
 * file, so they trust whichever certificate the running broker has.
 */
public final class SelfSignedCertificate {
  private static final String ALIAS = "broker";

  private final Path keystore;
  private final Path certificatePem;
  private final String password;

  private SelfSignedCertificate(Path keystore, Path certificatePem, String password) {
    this.keystore = keystore;
    this.certificatePem = certificatePem;
    this.password = password;
  }

  /** Writes {@code broker.p12} and {@code broker-cert.pem} into {@code dir}, replacing earlier ones. */
  public static SelfSignedCertificate generate(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path keystore = dir.resolve("broker.p12");
    Files.deleteIfExists(keystore);
    String password = Secrets.newPassword();
    runKeytool(List.of("-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-validity", "3650",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password, "-keypass", password));
    Path pem = dir.resolve("broker-cert.pem");
    Files.writeString(pem, certificatePem(keystore, password));
    return new SelfSignedCertificate(keystore.toAbsolutePath(), pem.toAbsolutePath(), password);
  }

  public Path keystore() {
    return keystore;
  }

  public Path certificatePem() {
    return certificatePem;
  }

  String password() {
    return password;
  }

  private static void runKeytool(List<String> args) throws IOException {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    if (!Files.isExecutable(keytool)) {
      throw new IllegalStateException("TLS needs the JDK's keytool, not found at " + keytool
          + ": run with a full JDK, or use SASL/SCRAM without TLS");
    }
    List<String> command = new ArrayList<>(List.of(keytool.toString()));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try (InputStream out = process.getInputStream()) {
      String output = new String(out.readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("keytool could not make the broker's certificate: " + output.strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while making the broker's certificate", e);
    }
  }

  private static String certificatePem(Path keystore, String password) throws IOException {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password.toCharArray());
      byte[] der = store.getCertificate(ALIAS).getEncoded();
      return "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
          + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Cannot read the certificate keytool wrote to " + keystore, e);
    }
  }
}
