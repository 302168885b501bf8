package dev.streamcl.ops;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Properties;

/** Passwords the local broker makes up, and the files that hold them, readable by their owner only. */
final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  /** 128 random bits as hex: no character any Kafka config syntax would need quoted. */
  static String newPassword() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** Writes {@code properties} to {@code file}, made owner-only before anything is written. */
  static void store(Properties properties, Path file, String comment) throws IOException {
    Files.deleteIfExists(file);
    Files.createFile(file);
    ownerOnly(file);
    try (OutputStream out = Files.newOutputStream(file)) {
      properties.store(out, comment);
    }
  }

  private static void ownerOnly(Path file) throws IOException {
    if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
