package dev.streamcl.encoder;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.onnx.OnnxKernel;

/** Shared part of the ONNX encoders: one float input [batch, ...], one float output [batch, dim]. */
abstract class KernelEncoder implements Encoder {
  private final OnnxKernel kernel;
  private final EncoderIdentity identity;
  private final int[] inputShape;
  private final int inputSize;
  private final String inputName;
  private final String outputName;

  KernelEncoder(OnnxKernel kernel, EncoderIdentity identity, int[] inputShape, String inputName, String outputName) {
    this.kernel = kernel;
    this.identity = identity;
    this.inputShape = inputShape.clone();
    this.inputSize = product(inputShape);
    this.inputName = inputName;
    this.outputName = outputName;
  }

  @Override
  public EncoderIdentity identity() {
    return EncoderIdentity.newBuilder(identity).build();
  }

  @Override
  public int[] inputShape() {
    return inputShape.clone();
  }

  @Override
  public int inputSize() {
    return inputSize;
  }

  @Override
  public float[] encode(float[] inputs, int batchSize) {
    if (batchSize < 1 || inputs.length < (long) batchSize * inputSize) {
      throw new IllegalArgumentException("Encoder " + identity.getName() + " needs batchSize >= 1 and "
          + batchSize + " x " + inputSize + " input floats, got " + inputs.length);
    }
    kernel.feed(inputName, inputs, batchShape(batchSize));
    try (OnnxKernel.Outputs outputs = kernel.run()) {
      return outputs.floats(outputName);
    }
  }

  @Override
  public void close() {
    kernel.close();
  }

  static int product(int[] shape) {
    int product = 1;
    for (int dim : shape) {
      product = Math.multiplyExact(product, dim);
    }
    return product;
  }

  private long[] batchShape(int batchSize) {
    long[] shape = new long[inputShape.length + 1];
    shape[0] = batchSize;
    for (int i = 0; i < inputShape.length; i++) {
      shape[i + 1] = inputShape[i];
    }
    return shape;
  }
}
