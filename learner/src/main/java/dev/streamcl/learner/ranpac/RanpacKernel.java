package dev.streamcl.learner.ranpac;

import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.linear.LinearHead;
import dev.streamcl.learner.linear.LinearHeadKernel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.GraphBuilder;
import dev.streamcl.onnx.OnnxKernel;

/**
 * RanPAC's two ONNX graphs for one projection: h = ReLU(x W) with W a constant of the graph, and the read-out's
 * scores on h (a {@link LinearHeadKernel}, whose weights are inputs, so every read-out of the stream shares it).
 * Not thread-safe (reused input buffers).
 */
public final class RanpacKernel implements AutoCloseable {
  private static final String FEATURES = "features";
  private static final String PROJECTED = "projected";

  private final int dim;
  private final OnnxKernel projection;
  private final LinearHeadKernel readout;

  public RanpacKernel(float[] projectionWeights, int dim, int projectionDim, ComputeDevice device) {
    this.dim = dim;
    this.projection = new OnnxKernel(new GraphBuilder("ranpac-projection")
        .floatInput(FEATURES, "batch", dim)
        .constant("W", projectionWeights, dim, projectionDim)
        .node("MatMul", FEATURES, "W").to("linear")
        .node("Relu", "linear").to(PROJECTED)
        .floatOutput(PROJECTED, "batch", projectionDim)
        .build(), device);
    this.readout = new LinearHeadKernel(projectionDim, device);
  }

  /** h = ReLU(x W) of {@code rows} feature rows, [rows, M] row-major. */
  public float[] project(float[] features, int rows) {
    projection.feed(FEATURES, features, rows, dim);
    try (OnnxKernel.Outputs out = projection.run()) {
      return out.floats(PROJECTED);
    }
  }

  /** The read-out's predictions for projected rows; the predictions carry the samples' features. */
  public Predictions predict(LinearHead head, float[] projected, int rows, float[] features) {
    return readout.predict(head, projected, rows, features, dim);
  }

  @Override
  public void close() {
    try (readout) {
      projection.close();
    }
  }
}
