package dev.streamcl.cli;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.onnx.ComputeDevice;
import picocli.CommandLine.Option;

/** The frozen encoder and the ONNX Runtime device; the learner job and serving must agree on them. */
public final class EncoderOptions {
  @Option(names = "--encoder", defaultValue = "pixels:28x28",
      description = "Frozen encoder: pixels:HxW[xC] (flatten, scale to [0,1]), file:/path/model.onnx, minilm"
          + " (all-MiniLM-L6-v2 on text) or hf:/path/model.onnx,/path/tokenizer.json"
          + " (default: ${DEFAULT-VALUE}).")
  String encoder;

  @Option(names = "--device", defaultValue = "cpu",
      description = "ONNX Runtime device: cpu or cuda:N (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--cpu-fallback",
      description = "Run on the CPU when the CUDA provider cannot load, instead of failing.")
  boolean cpuFallback;

  public ComputeDevice computeDevice() {
    return ComputeDevice.parse(device, cpuFallback);
  }

  /** The encoder, opened once on its device: a file or device ONNX Runtime cannot use fails here, in one line. */
  public EncoderSpec encoderSpec() {
    return EncoderCheck.opened(EncoderSpec.parse(encoder, computeDevice()));
  }
}
