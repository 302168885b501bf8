package dev.streamcl.ingest;

import dev.streamcl.events.DeadLetterReason;

/** A sample that must go to the dead-letter topic, with the reason a person can act on. */
public final class InvalidSampleException extends Exception {
  private final DeadLetterReason reason;

  public InvalidSampleException(DeadLetterReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public DeadLetterReason reason() {
    return reason;
  }
}
