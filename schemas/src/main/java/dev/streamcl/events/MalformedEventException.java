package dev.streamcl.events;

/** Bytes that are not a single-object-encoded event of the expected type. */
public final class MalformedEventException extends RuntimeException {
  public MalformedEventException(String message, Throwable cause) {
    super(message, cause);
  }
}
