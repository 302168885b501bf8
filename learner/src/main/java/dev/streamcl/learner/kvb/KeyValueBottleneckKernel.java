package dev.streamcl.learner.kvb;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * Runs a discrete key-value bottleneck (Träuble et al., ICML 2023) as ONNX graphs (see
 * {@link KeyValueBottleneckGraph}): a forward graph that looks samples up (for serving, and for
 * learning in pieces of {@link #LOOKUP_PIECE}) and an SGD-step graph for learning. A kernel is
 * built for one set of frozen keys (they are graph initializers); it accepts any state with those
 * keys, settings and feature dimension, and uploads the values on every call.
 *
 * <p>Test-then-train is per micro-batch: {@link #trainStep} predicts every sample of the batch
 * from the values before the step, then takes one SGD step on the batch's labelled samples (the
 * paper's minibatch SGD, with the micro-batch as the minibatch). A sample is therefore not predicted
 * from the updates of earlier samples in its own batch, unlike the NMC kernel, which is exact per
 * sample; smaller micro-batches bring it closer to per-sample test-then-train.
 *
 * <p>Labels are class indices in [0, classes); {@link #UNLABELLED} samples are predicted only. Every
 * class of the config is always known, so every sample gets a prediction (uniform while the values
 * are zero). Not thread-safe (reused input buffers).
 */
public final class KeyValueBottleneckKernel implements AutoCloseable {
  public static final int UNLABELLED = -1;
  /**
   * Samples per lookup while training. A lookup's scores are codebooks × samples × keys floats: for the
   * paper's minibatch of 256 and 64 × 512 keys, 32 MB that the score, nearest-key and gather nodes each
   * stream from memory; pieces of 32 stay in cache (ONNX Runtime 1.23, one thread: 28.6 µs per sample
   * against 34.6 for the whole minibatch in one graph). Each sample's lookup is its own, so the pieces
   * give the values one whole-minibatch lookup gives, and the step still sees the whole minibatch.
   */
  static final int LOOKUP_PIECE = 32;

  private final KvbHyperparameters config;
  private final int featureDim;
  private final float[] keys;
  private final ComputeDevice device;
  private final OnnxKernel forward;
  private OnnxKernel step; // built at the first training step: serving never trains
  private float[] verifiedKeys; // the last state keys array found equal to ours

  /** The lookup of one batch: predictions, probabilities [B, classes], value rows [B, C, topk]. */
  public record Forward(Predictions predictions, float[] probabilities, int[] fetchedRows) {}

  public KeyValueBottleneckKernel(KeyValueBottleneck state, ComputeDevice device) {
    this(state, device, 1);
  }

  /**
   * {@code intraOpThreads} applies to the forward graph only. The step graph always runs
   * on one intra-op thread: ONNX Runtime 1.23's CPU ScatterND with reduction=add loses updates to
   * rows that several samples fetched when it runs on more threads (seen here as totals 10–40% short
   * on 2 and 4 threads, intermittently).
   */
  public KeyValueBottleneckKernel(KeyValueBottleneck state, ComputeDevice device, int intraOpThreads) {
    this.config = state.config();
    this.featureDim = state.featureDim();
    this.keys = state.keysView();
    this.verifiedKeys = keys;
    this.forward = new OnnxKernel(KeyValueBottleneckGraph.forward(config, featureDim, keys), device, intraOpThreads);
    this.device = forward.device();
  }

  /** The device actually used (CPU after a fallback). */
  public ComputeDevice device() {
    return forward.device();
  }

  /** Serving: predicts from the state's values; does not modify the state. */
  public Predictions predict(KeyValueBottleneck state, float[] features, int batchSize) {
    return forward(state, features, batchSize).predictions();
  }

  /** The full lookup (probabilities and fetched rows too); does not modify the state. */
  public Forward forward(KeyValueBottleneck state, float[] features, int batchSize) {
    checkBatch(state, features, batchSize);
    forward.feed(KeyValueBottleneckGraph.FEATURES, features, batchSize, featureDim);
    forward.feed(KeyValueBottleneckGraph.VALUES, state.valuesView(), config.valueRows(), config.classes());
    try (OnnxKernel.Outputs out = forward.run()) {
      return read(out, features, batchSize);
    }
  }

  /**
   * Test-then-train on a micro-batch: predicts every sample from the values before the step, then
   * updates the state's values, touched rows and counters with one SGD step on the labelled samples.
   * {@code labels[i] = UNLABELLED} marks a sample that is predicted, not learned.
   */
  public Predictions trainStep(KeyValueBottleneck state, float[] features, int batchSize, int[] labels) {
    checkBatch(state, features, batchSize);
    int labelled = countLabelled(labels, batchSize);
    if (labelled == 0) {
      Predictions predictions = predict(state, features, batchSize);
      state.countUnlabelled(batchSize);
      return predictions;
    }
    Forward before = lookupInPieces(state, features, batchSize);
    OnnxKernel step = stepKernel();
    step.feed(KeyValueBottleneckGraph.VALUES, state.valuesView(), config.valueRows(), config.classes());
    LongBuffer rows = step.longInput(KeyValueBottleneckGraph.ROWS, batchSize, config.codebooks(), config.topK());
    for (int row : before.fetchedRows()) {
      rows.put(row);
    }
    step.feed(KeyValueBottleneckGraph.PROBABILITIES, before.probabilities(), batchSize, config.classes());
    writeTargets(step.floatInput(KeyValueBottleneckGraph.TARGETS, batchSize, config.classes()), labels, batchSize);
    writeLearnWeights(step.floatInput(KeyValueBottleneckGraph.LEARN_WEIGHTS, batchSize, 1), labels, batchSize);
    try (OnnxKernel.Outputs out = step.run()) {
      state.applyStep(out.floats(KeyValueBottleneckGraph.NEW_VALUES),
          learnedRows(before.fetchedRows(), labels, batchSize), labelled, batchSize);
      return before.predictions();
    }
  }

  // The forward graph over pieces of the batch, joined: one lookup's outputs for the whole batch.
  private Forward lookupInPieces(KeyValueBottleneck state, float[] features, int batchSize) {
    if (batchSize <= LOOKUP_PIECE) {
      return forward(state, features, batchSize);
    }
    int perSample = config.codebooks() * config.topK();
    int[][] labels = new int[batchSize][];
    float[][] scores = new float[batchSize][];
    float[] probabilities = new float[batchSize * config.classes()];
    int[] fetchedRows = new int[batchSize * perSample];
    for (int from = 0; from < batchSize; from += LOOKUP_PIECE) {
      int n = Math.min(LOOKUP_PIECE, batchSize - from);
      Forward piece = forward(state, Arrays.copyOfRange(features, from * featureDim, (from + n) * featureDim), n);
      for (int i = 0; i < n; i++) {
        labels[from + i] = piece.predictions().topLabels(i);
        scores[from + i] = piece.predictions().topScores(i);
      }
      System.arraycopy(piece.probabilities(), 0, probabilities, from * config.classes(), n * config.classes());
      System.arraycopy(piece.fetchedRows(), 0, fetchedRows, from * perSample, n * perSample);
    }
    return new Forward(new Predictions(labels, scores, batchFeatures(features, batchSize), featureDim), probabilities,
        fetchedRows);
  }

  @Override
  public void close() {
    try {
      forward.close();
    } finally {
      if (step != null) {
        step.close();
      }
    }
  }

  private OnnxKernel stepKernel() {
    if (step == null) {
      step = new OnnxKernel(KeyValueBottleneckGraph.sgdStep(config), device, 1);
    }
    return step;
  }

  private Forward read(OnnxKernel.Outputs out, float[] features, int batchSize) {
    float[] topScores = out.floats(KeyValueBottleneckGraph.TOP_SCORES);
    long[] topIndices = out.longs(KeyValueBottleneckGraph.TOP_INDICES);
    int top = topScores.length / batchSize;
    int[][] labels = new int[batchSize][top];
    float[][] scores = new float[batchSize][];
    for (int i = 0; i < batchSize; i++) {
      scores[i] = Arrays.copyOfRange(topScores, i * top, (i + 1) * top);
      for (int j = 0; j < top; j++) {
        labels[i][j] = (int) topIndices[i * top + j];
      }
    }
    long[] fetched = out.longs(KeyValueBottleneckGraph.ROWS);
    int[] fetchedRows = new int[fetched.length];
    for (int i = 0; i < fetched.length; i++) {
      fetchedRows[i] = (int) fetched[i];
    }
    return new Forward(new Predictions(labels, scores, batchFeatures(features, batchSize), featureDim),
        out.floats(KeyValueBottleneckGraph.PROBABILITIES), fetchedRows);
  }

  // The batch's own feature rows for its predictions: the caller's array when it holds exactly the batch.
  private float[] batchFeatures(float[] features, int batchSize) {
    return features.length == batchSize * featureDim ? features : Arrays.copyOf(features, batchSize * featureDim);
  }

  // Label smoothing (Szegedy et al. 2016), as in the paper: (1−ε)·onehot + ε/classes; zero if unlabelled.
  private void writeTargets(FloatBuffer targets, int[] labels, int batchSize) {
    float epsilon = (float) config.labelSmoothing();
    int classes = config.classes();
    for (int i = 0; i < batchSize; i++) {
      for (int k = 0; k < classes; k++) {
        float target = labels[i] == UNLABELLED ? 0f : epsilon / classes + (k == labels[i] ? 1f - epsilon : 0f);
        targets.put(i * classes + k, target);
      }
    }
  }

  private static void writeLearnWeights(FloatBuffer weights, int[] labels, int batchSize) {
    for (int i = 0; i < batchSize; i++) {
      weights.put(i, labels[i] == UNLABELLED ? 0f : 1f);
    }
  }

  // The rows of labelled samples: the only ones a step changes.
  private int[] learnedRows(int[] fetchedRows, int[] labels, int batchSize) {
    int perSample = config.codebooks() * config.topK();
    int[] rows = new int[fetchedRows.length];
    int count = 0;
    for (int i = 0; i < batchSize; i++) {
      if (labels[i] != UNLABELLED) {
        System.arraycopy(fetchedRows, i * perSample, rows, count, perSample);
        count += perSample;
      }
    }
    return Arrays.copyOf(rows, count);
  }

  private int countLabelled(int[] labels, int batchSize) {
    if (labels.length < batchSize) {
      throw new IllegalArgumentException("Need " + batchSize + " labels, got " + labels.length);
    }
    int labelled = 0;
    for (int i = 0; i < batchSize; i++) {
      if (labels[i] < UNLABELLED || labels[i] >= config.classes()) {
        throw new IllegalArgumentException("Label " + labels[i] + " of sample " + i + " is not a class index in [0, "
            + config.classes() + ") nor " + UNLABELLED + " (unlabelled)");
      }
      labelled += labels[i] == UNLABELLED ? 0 : 1;
    }
    return labelled;
  }

  private void checkBatch(KeyValueBottleneck state, float[] features, int batchSize) {
    if (!state.config().equals(config) || state.featureDim() != featureDim) {
      throw new IllegalArgumentException("Kernel for " + config + " and dimension " + featureDim
          + " got a state of " + state.config() + " and dimension " + state.featureDim());
    }
    if (state.keysView() != verifiedKeys) {
      if (!Arrays.equals(state.keysView(), keys)) {
        throw new IllegalArgumentException(
            "Kernel was built for other keys than the state's: build a kernel per key set");
      }
      verifiedKeys = state.keysView();
    }
    if (batchSize < 1 || features.length < (long) batchSize * featureDim) {
      throw new IllegalArgumentException("Need batchSize >= 1 and " + batchSize + " x " + featureDim
          + " features, got batchSize " + batchSize + " and " + features.length + " floats");
    }
  }
}
