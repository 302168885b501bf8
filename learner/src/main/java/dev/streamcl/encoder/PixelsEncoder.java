package dev.streamcl.encoder;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelBytes;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.GraphBuilder;
import dev.streamcl.onnx.OnnxKernel;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The identity encoder for images: pixel intensities 0..255, shape [batch, H, W] or [batch, H, W, C],
 * flattened to [batch, H*W*C] and scaled to [0, 1]. Built as a graph so it runs on the same device
 * as the learners and has a model hash like any other encoder.
 */
public final class PixelsEncoder extends KernelEncoder {
  private static final String INPUT = "pixels";
  private static final String OUTPUT = "features";

  public PixelsEncoder(int[] shape, ComputeDevice device) {
    this(checked(shape), graph(shape), device);
  }

  private PixelsEncoder(int[] shape, byte[] model, ComputeDevice device) {
    super(new OnnxKernel(model, device), identity(shape, model), shape, INPUT, OUTPUT);
  }

  /** {@code pixels-28x28} or {@code pixels-32x32x3}. */
  public static String name(int[] shape) {
    return "pixels-" + Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining("x"));
  }

  static byte[] graph(int[] shape) {
    Object[] inputDims = new Object[shape.length + 1];
    inputDims[0] = "batch";
    for (int i = 0; i < shape.length; i++) {
      inputDims[i + 1] = shape[i];
    }
    // Div (not Mul by 1/255) so each feature is exactly the float quotient pixel / 255.
    return new GraphBuilder(name(shape))
        .floatInput(INPUT, inputDims)
        .scalar("maxIntensity", 255f)
        .node("Flatten", INPUT).attr("axis", 1).to("flat")
        .node("Div", "flat", "maxIntensity").to(OUTPUT)
        .floatOutput(OUTPUT, "batch", product(shape))
        .build();
  }

  private static EncoderIdentity identity(int[] shape, byte[] model) {
    return new EncoderIdentity(name(shape), ModelBytes.sha256(model), product(shape));
  }

  private static int[] checked(int[] shape) {
    if (shape.length < 2 || shape.length > 3 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
      throw new IllegalArgumentException(
          "Pixel shape must be H x W or H x W x C with positive sizes, got " + Arrays.toString(shape));
    }
    return shape.clone();
  }
}
