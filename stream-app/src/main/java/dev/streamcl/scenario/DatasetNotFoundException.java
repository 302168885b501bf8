package dev.streamcl.scenario;

/** A dataset's files are not where they were looked for; the message says how to get them. */
public final class DatasetNotFoundException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public DatasetNotFoundException(String message) {
    super(message);
  }
}
