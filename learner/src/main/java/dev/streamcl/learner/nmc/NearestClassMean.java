package dev.streamcl.learner.nmc;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The nearest-class-mean kernel: one ONNX graph call per micro-batch doing exact per-sample
 * test-then-train (see {@link NearestClassMeanGraph}). Sample i is scored against the class means of
 * the state plus all labelled samples before it in the batch, so batch boundaries never change a
 * prediction.
 *
 * <p>Test-then-train use: {@code p = predictThenNormalize(state, x, b, labels)}, emit the
 * predictions, then for each sample in order {@code state.addRounded(p.features(), p.featureOffset(i),
 * labels[i])} if labelled, else {@code state.countUnlabelled(1)}. The kernel never modifies the
 * state, so a model may be published between two samples. Not thread-safe (reused input buffers).
 */
public final class NearestClassMean implements AutoCloseable {
  /** Label value of an unlabelled sample. */
  public static final int UNLABELLED = -1;
  public static final int TOP_K = NearestClassMeanGraph.TOP_K;

  private final int dim;
  private final OnnxKernel kernel;

  public NearestClassMean(int dim, ComputeDevice device) {
    this.dim = dim;
    this.kernel = new OnnxKernel(NearestClassMeanGraph.build(dim), device);
  }

  public int dim() {
    return dim;
  }

  /** The device actually used (CPU after a fallback). */
  public ComputeDevice device() {
    return kernel.device();
  }

  /**
   * Predicts each sample from the state plus the labelled samples before it, and returns the
   * L2-normalised features to learn from. {@code labels[i] = UNLABELLED} marks an unlabelled sample;
   * other labels must be >= 0. Does not modify the state.
   */
  public Predictions predictThenNormalize(ClassMeanState state, float[] features, int batchSize, int[] labels) {
    checkBatch(state.dim(), features, batchSize);
    checkLabels(labels, batchSize);
    int[] classes = withNewLabels(state.labels(), labels, batchSize);
    return run(classes, state.counts(), sums -> writeSums(state, sums), features, batchSize, labels);
  }

  /** Serving: predicts every sample from the state alone. */
  public Predictions predict(ClassMeanState state, float[] features, int batchSize) {
    checkBatch(state.dim(), features, batchSize);
    return run(state.labels(), state.counts(), sums -> writeSums(state, sums), features, batchSize, null);
  }

  /** Serving: predicts every sample from a published model. */
  public Predictions predict(NearestClassMeanModel model, float[] features, int batchSize) {
    checkBatch(model.dim(), features, batchSize);
    return run(model.labels(), model.counts(), sums -> sums.put(model.sumsView()), features, batchSize, null);
  }

  @Override
  public void close() {
    kernel.close();
  }

  private interface SumWriter {
    void write(FloatBuffer sums);
  }

  private Predictions run(int[] classes, long[] knownCounts, SumWriter sums, float[] features, int batchSize,
      int[] labels) {
    int c = classes.length;
    kernel.feed(NearestClassMeanGraph.FEATURES, features, batchSize, dim);
    writeOneHot(kernel.floatInput(NearestClassMeanGraph.LABELS, batchSize, c), classes, labels, batchSize);
    sums.write(zeroed(kernel.floatInput(NearestClassMeanGraph.SUMS, c, dim)));
    writeCounts(kernel.floatInput(NearestClassMeanGraph.COUNTS, 1, c), knownCounts);
    try (OnnxKernel.Outputs out = kernel.run()) {
      return predictions(classes, out.floats(NearestClassMeanGraph.TOP_SCORES),
          out.longs(NearestClassMeanGraph.TOP_INDICES), out.floats(NearestClassMeanGraph.NORMALIZED), batchSize);
    }
  }

  private Predictions predictions(int[] classes, float[] topScores, long[] topIndices, float[] normalized,
      int batchSize) {
    int k = Math.min(TOP_K, classes.length);
    int[][] labels = new int[batchSize][];
    float[][] scores = new float[batchSize][];
    for (int i = 0; i < batchSize; i++) {
      int known = 0;
      while (known < k && topScores[i * k + known] > NearestClassMeanGraph.UNKNOWN_CLASS_SCORE) {
        known++; // unknown classes score lowest, so known ones come first
      }
      labels[i] = new int[known];
      scores[i] = Arrays.copyOfRange(topScores, i * k, i * k + known);
      for (int j = 0; j < known; j++) {
        labels[i][j] = classes[(int) topIndices[i * k + j]];
      }
    }
    return new Predictions(labels, scores, normalized, dim);
  }

  // The state's classes, then labels new in this batch in order of first appearance.
  private static int[] withNewLabels(int[] known, int[] labels, int batchSize) {
    int[] classes = Arrays.copyOf(known, known.length + batchSize);
    int count = known.length;
    Map<Integer, Integer> index = indexOf(known);
    for (int i = 0; i < batchSize; i++) {
      if (labels[i] != UNLABELLED && index.putIfAbsent(labels[i], count) == null) {
        classes[count++] = labels[i];
      }
    }
    return Arrays.copyOf(classes, count);
  }

  private static void writeOneHot(FloatBuffer y, int[] classes, int[] labels, int batchSize) {
    zeroed(y);
    if (labels == null) {
      return;
    }
    Map<Integer, Integer> column = indexOf(classes);
    for (int i = 0; i < batchSize; i++) {
      if (labels[i] != UNLABELLED) {
        y.put(i * classes.length + column.get(labels[i]), 1f);
      }
    }
  }

  // Counts are exact in float32 up to 2^24 samples per class.
  private static void writeCounts(FloatBuffer n, long[] knownCounts) {
    zeroed(n);
    for (int c = 0; c < knownCounts.length; c++) {
      n.put(c, knownCounts[c]);
    }
  }

  private static void writeSums(ClassMeanState state, FloatBuffer sums) {
    for (int c = 0; c < state.classCount(); c++) {
      for (int k = 0; k < state.dim(); k++) {
        sums.put((float) state.sum(c, k));
      }
    }
  }

  private static FloatBuffer zeroed(FloatBuffer buffer) {
    for (int i = 0; i < buffer.limit(); i++) {
      buffer.put(i, 0f);
    }
    return buffer;
  }

  private static Map<Integer, Integer> indexOf(int[] classes) {
    Map<Integer, Integer> index = new HashMap<>();
    for (int c = 0; c < classes.length; c++) {
      index.put(classes[c], c);
    }
    return index;
  }

  private void checkBatch(int stateDim, float[] features, int batchSize) {
    if (stateDim != dim) {
      throw new IllegalArgumentException("Kernel for dimension " + dim + " got a model of dimension " + stateDim);
    }
    if (batchSize < 1 || features.length < (long) batchSize * dim) {
      throw new IllegalArgumentException("Need batchSize >= 1 and " + batchSize + " x " + dim
          + " features, got batchSize " + batchSize + " and " + features.length + " floats");
    }
  }

  private static void checkLabels(int[] labels, int batchSize) {
    if (labels.length < batchSize) {
      throw new IllegalArgumentException("Need " + batchSize + " labels, got " + labels.length);
    }
    for (int i = 0; i < batchSize; i++) {
      if (labels[i] < UNLABELLED) {
        throw new IllegalArgumentException("Label " + labels[i] + " of sample " + i + " is negative; use "
            + UNLABELLED + " for unlabelled samples");
      }
    }
  }
}
