package dev.streamcl.events;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Identity of model bytes: models are named by the SHA-256 of exactly the bytes ONNX Runtime loads
 * (encoders, and the portable model a {@link ModelUpdate} carries).
 */
public final class ModelBytes {
  private ModelBytes() {}

  /** Lower-case hex SHA-256 of the bytes. */
  public static String sha256(byte[] bytes) {
    return sha256(ByteBuffer.wrap(bytes));
  }

  /** Lower-case hex SHA-256 of the buffer's remaining bytes; its position is left as it was. */
  public static String sha256(ByteBuffer bytes) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(bytes.duplicate());
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every Java platform must provide SHA-256", e);
    }
  }
}
