package dev.streamcl.scenario;

/** The topics already hold this stream, written with other scenario settings; writing on would mix them. */
public final class ScenarioMismatchException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public ScenarioMismatchException(String message) {
    super(message);
  }
}
