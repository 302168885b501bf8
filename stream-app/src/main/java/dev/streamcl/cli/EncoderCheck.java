package dev.streamcl.cli;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.onnx.ComputeDevice;

/**
 * Opens an encoder once where it will run, before any job or service starts: a model file ONNX Runtime
 * cannot load, or a device it cannot use (no CUDA provider, no such GPU), then fails in one line instead
 * of inside a Flink task or a stream thread.
 */
final class EncoderCheck {
  private EncoderCheck() {}

  static EncoderSpec opened(EncoderSpec encoder) {
    try (Encoder opened = encoder.open()) {
      return encoder;
    }
  }

  /** The device, once a one-pixel graph opened on it. */
  static ComputeDevice usable(ComputeDevice device) {
    opened(EncoderSpec.pixels(new int[] {1, 1}, device));
    return device;
  }
}
