package dev.streamcl.onnx;

/** The requested execution provider (CUDA) cannot load and CPU fallback was not allowed. */
public final class DeviceUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DeviceUnavailableException(String message) {
    super(message);
  }
}
