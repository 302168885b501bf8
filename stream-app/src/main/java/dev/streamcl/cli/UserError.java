package dev.streamcl.cli;

/** A problem the person running the command can fix; printed as a message, not a stack trace. */
public final class UserError extends RuntimeException {
  public UserError(String message) {
    super(message);
  }
}
