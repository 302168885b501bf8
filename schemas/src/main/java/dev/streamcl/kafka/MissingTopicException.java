package dev.streamcl.kafka;

/** A topic a command needs is not on the cluster: usually a wrong --topic-prefix, or nothing published yet. */
public final class MissingTopicException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public MissingTopicException(String message) {
    super(message);
  }
}
