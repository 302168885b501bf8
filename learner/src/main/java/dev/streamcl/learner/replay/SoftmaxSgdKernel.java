package dev.streamcl.learner.replay;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Runs the {@link SoftmaxSgdGraph} graphs: one SGD step of a {@link SoftmaxHead} on a labelled
 * batch, and top-3 prediction. The head is plain Java state; the kernel only computes. Not
 * thread-safe (reused input buffers).
 */
public final class SoftmaxSgdKernel implements AutoCloseable {
  public static final int TOP_K = SoftmaxSgdGraph.TOP_K;

  private final int dim;
  private final OnnxKernel stepKernel;
  private final OnnxKernel predictKernel;

  public SoftmaxSgdKernel(int dim, ComputeDevice device) {
    this.dim = dim;
    this.stepKernel = new OnnxKernel(SoftmaxSgdGraph.step(dim), device);
    this.predictKernel = new OnnxKernel(SoftmaxSgdGraph.predict(dim), device);
  }

  public int dim() {
    return dim;
  }

  /** The device actually used (CPU after a fallback). */
  public ComputeDevice device() {
    return stepKernel.device();
  }

  /**
   * One SGD step on the mean cross-entropy of {@code n} samples ({@code x} row-major [n, dim]);
   * classes new to the head get zero rows first. Returns the loss before the step.
   */
  public float step(SoftmaxHead head, float[] x, int n, int[] labels, float learningRate) {
    checkBatch(head, x, n);
    int[] columns = new int[n];
    for (int i = 0; i < n; i++) {
      columns[i] = head.classIndexOrAdd(labels[i]);
    }
    int c = head.classCount();
    stepKernel.feed(SoftmaxSgdGraph.FEATURES, x, n, dim);
    writeOneHot(stepKernel.floatInput(SoftmaxSgdGraph.TARGETS, n, c), columns, c);
    stepKernel.feed(SoftmaxSgdGraph.WEIGHTS, head.weightsView(), c, dim);
    stepKernel.feed(SoftmaxSgdGraph.BIAS, head.biasView(), c);
    stepKernel.feed(SoftmaxSgdGraph.LEARNING_RATE, new float[] {learningRate});
    try (OnnxKernel.Outputs out = stepKernel.run()) {
      head.set(out.floats(SoftmaxSgdGraph.NEW_WEIGHTS), out.floats(SoftmaxSgdGraph.NEW_BIAS));
      return out.floats(SoftmaxSgdGraph.LOSS)[0];
    }
  }

  /** Top-3 labels and softmax probabilities per sample; no prediction while the head has no class. */
  public Predictions predict(SoftmaxHead head, float[] x, int n) {
    checkBatch(head, x, n);
    float[] features = Arrays.copyOf(x, n * dim);
    int c = head.classCount();
    if (c == 0) {
      return new Predictions(new int[n][0], new float[n][0], features, dim);
    }
    predictKernel.feed(SoftmaxSgdGraph.FEATURES, x, n, dim);
    predictKernel.feed(SoftmaxSgdGraph.WEIGHTS, head.weightsView(), c, dim);
    predictKernel.feed(SoftmaxSgdGraph.BIAS, head.biasView(), c);
    try (OnnxKernel.Outputs out = predictKernel.run()) {
      return predictions(head, out.floats(SoftmaxSgdGraph.TOP_SCORES), out.longs(SoftmaxSgdGraph.TOP_INDICES),
          features, n);
    }
  }

  @Override
  public void close() {
    try (predictKernel) {
      stepKernel.close();
    }
  }

  private Predictions predictions(SoftmaxHead head, float[] topScores, long[] topIndices, float[] features, int n) {
    int k = Math.min(TOP_K, head.classCount());
    int[][] labels = new int[n][k];
    float[][] scores = new float[n][];
    for (int i = 0; i < n; i++) {
      scores[i] = Arrays.copyOfRange(topScores, i * k, (i + 1) * k);
      for (int j = 0; j < k; j++) {
        labels[i][j] = head.label((int) topIndices[i * k + j]);
      }
    }
    return new Predictions(labels, scores, features, dim);
  }

  private static void writeOneHot(FloatBuffer y, int[] columns, int classes) {
    for (int i = 0; i < y.limit(); i++) {
      y.put(i, 0f);
    }
    for (int i = 0; i < columns.length; i++) {
      y.put(i * classes + columns[i], 1f);
    }
  }

  private void checkBatch(SoftmaxHead head, float[] x, int n) {
    if (head.dim() != dim) {
      throw new IllegalArgumentException("Kernel for dimension " + dim + " got a head of dimension " + head.dim());
    }
    if (n < 1 || x.length < (long) n * dim) {
      throw new IllegalArgumentException("Need n >= 1 and " + n + " x " + dim + " features, got n = " + n
          + " and " + x.length + " floats");
    }
  }
}
