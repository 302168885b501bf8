package dev.streamcl.learner.linear;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.GraphBuilder;
import dev.streamcl.onnx.OnnxKernel;

/**
 * Scores a micro-batch with any {@link LinearHead} of one feature dimension: one ONNX Gemm whose weights are
 * inputs, so one session serves every version of the head. Not thread-safe (reused input buffers).
 */
public final class LinearHeadKernel implements AutoCloseable {
  private static final String FEATURES = "features";
  private static final String WEIGHTS = "weights";
  private static final String BIAS = "bias";
  private static final String LOGITS = "logits";

  private final int dim;
  private final OnnxKernel kernel;

  public LinearHeadKernel(int dim, ComputeDevice device) {
    this.dim = dim;
    this.kernel = new OnnxKernel(new GraphBuilder("linear-head-scores")
        .floatInput(FEATURES, "batch", dim)
        .floatInput(WEIGHTS, "classes", dim)
        .floatInput(BIAS, "classes")
        .node("Gemm", FEATURES, WEIGHTS, BIAS).attr("transB", 1).to(LOGITS)
        .floatOutput(LOGITS, "batch", "classes")
        .build(), device);
  }

  public int dim() {
    return dim;
  }

  /** The top scores of every sample; no prediction where the head has no class yet. */
  public Predictions predict(LinearHead head, float[] features, int batchSize) {
    return predict(head, features, batchSize, features, dim);
  }

  /**
   * Scores the rows of {@code inputs} [batch, dim] (features a learner derived, e.g. a random projection) while the
   * predictions carry the samples' own {@code features} [batch, featureDim].
   */
  public Predictions predict(LinearHead head, float[] inputs, int batchSize, float[] features, int featureDim) {
    if (head.dim() != dim) {
      throw new IllegalArgumentException("Kernel for dimension " + dim + " got a head of dimension " + head.dim());
    }
    if (head.classCount() == 0) {
      return new Predictions(new int[batchSize][0], new float[batchSize][0], features, featureDim);
    }
    kernel.feed(FEATURES, inputs, batchSize, dim);
    kernel.feed(WEIGHTS, head.weights(), head.classCount(), dim);
    kernel.feed(BIAS, head.bias(), head.classCount());
    try (OnnxKernel.Outputs out = kernel.run()) {
      return Predictions.fromScores(out.floats(LOGITS), batchSize, head.labels(), features, featureDim);
    }
  }

  @Override
  public void close() {
    kernel.close();
  }
}
