package dev.streamcl.learner.ranpac;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RanPAC against {@link RanpacReference}, a plain-Java reading of the paper. */
class RanpacLearnerTest {
  private static final int DIM = 16;
  private static final int M = 96;
  private static final int CLASSES = 5;
  private static final EncoderIdentity ENCODER = new EncoderIdentity("synthetic", "0".repeat(64), DIM);
  private static final RanpacLearner.Settings SETTINGS = new RanpacLearner.Settings(M, 7, 128);
  private static final RanpacLearner LEARNER = new RanpacLearner(SETTINGS, ENCODER);
  private static RanpacKernel kernel;

  @BeforeAll
  static void open() {
    kernel = LEARNER.openKernel(LEARNER.initialState(DIM), ComputeDevice.cpu());
  }

  @AfterAll
  static void close() {
    kernel.close();
  }

  /** Classes on a curved band (not linearly separable from their means alone), in random order. */
  private static float[][] samples(int n, int[] labels, long seed) {
    Random random = new Random(seed);
    float[][] x = new float[n][DIM];
    for (int i = 0; i < n; i++) {
      labels[i] = random.nextInt(CLASSES);
      double angle = labels[i] * 2 * Math.PI / CLASSES + 0.35 * random.nextGaussian();
      for (int k = 0; k < DIM; k++) {
        double signal = k % 2 == 0 ? Math.cos(angle * (1 + k / 4)) : Math.sin(angle * (1 + k / 4));
        x[i][k] = (float) (signal + 0.3 * random.nextGaussian());
      }
    }
    return x;
  }

  private static FeatureBatch batch(float[][] x, int[] labels, int from, int to) {
    FeatureBatch batch = FeatureBatch.allocate("s", DIM, to - from);
    for (int i = 0; i < to - from; i++) {
      System.arraycopy(x[from + i], 0, batch.features, i * DIM, DIM);
      batch.labels[i] = labels[from + i];
      batch.sequences[i] = from + i;
    }
    return batch;
  }

  /** Test-then-train over rows from..to in batches of {@code size}; the predictions, in order. */
  private static List<int[]> learn(RanpacState state, float[][] x, int[] labels, int from, int to, int size) {
    List<int[]> predictions = new ArrayList<>();
    for (int start = from; start < to; start += size) {
      Predictions p = LEARNER.testThenTrain(kernel, state, batch(x, labels, start, Math.min(to, start + size)));
      for (int i = 0; i < p.batchSize(); i++) {
        predictions.add(p.topLabels(i));
      }
    }
    return predictions;
  }

  private static RanpacReference reference(float[][] x, int[] labels, int n) {
    RanpacReference reference = new RanpacReference(SETTINGS.seed(), DIM, M);
    for (int i = 0; i < n; i++) {
      if (labels[i] >= 0) {
        reference.learn(x[i], labels[i], RanpacState.isHeldOut(i));
      }
    }
    return reference;
  }

  @Test
  void statisticsRidgeAndPredictionsMatchTheReference() throws Exception {
    int[] labels = new int[1680];
    float[][] x = samples(1680, labels, 5);
    RanpacState state = LEARNER.initialState(DIM);
    learn(state, x, labels, 0, 1280, 100); // 1,280 labelled: a solve point (multiple of 128)
    RanpacReference reference = reference(x, labels, 1280);

    int[] order = state.labels();
    assertEquals(reference.labels, List.of(java.util.Arrays.stream(order).boxed().toArray(Integer[]::new)));
    assertEquals(reference.heldOutH.size(), state.heldOutSamples());
    assertTrue(state.heldOutSamples() > 200 && state.heldOutSamples() < 320, "about one in five held out");
    assertTriangleClose(reference.fitGram, state.fitGram(), "fitting Gram");
    assertTriangleClose(reference.heldOutGram, state.heldOutGram(), "held-out Gram");
    for (int c = 0; c < CLASSES; c++) {
      for (int i = 0; i < M; i++) {
        assertClose(reference.fitPrototypes.get(c)[i], state.fitPrototypes()[c * M + i], "fitting prototype");
        assertClose(reference.heldOutPrototypes.get(c)[i], state.heldOutPrototypes()[c * M + i], "held-out proto.");
      }
    }
    double ridge = reference.chooseRidge();
    assertEquals(ridge, state.ridge(), "the ridge the paper's grid search picks (ours searched downhill from the "
        + "ridge of the solve before)");
    assertTrue(ridge > 1e-8 && ridge < 1e13, "an inner ridge of the grid, so the search had a minimum to find");

    double[][] readout = reference.readout(ridge);
    ModelUpdate snapshot = LEARNER.snapshot(state, new Publication("s", 3, 1280, 1280, List.of(), Instant.EPOCH));
    float[] test = rows(x, 1280, 400);
    Predictions byKernel = LEARNER.testThenTrain(kernel, state, batch(x, copyWithout(labels), 1280, 1680));
    byte[] portable = new byte[snapshot.getPortableModel().remaining()];
    snapshot.getPortableModel().duplicate().get(portable);
    int correct = 0;
    try (OnnxKernel head = new OnnxKernel(portable, ComputeDevice.cpu())) {
      head.feed("features", test, 400, DIM);
      try (OnnxKernel.Outputs out = head.run()) {
        long[] predicted = out.longs("label");
        for (int i = 0; i < 400; i++) {
          int expected = reference.predict(readout, x[1280 + i]);
          assertEquals(expected, (int) predicted[i], "portable head, test sample " + i);
          assertEquals(expected, byKernel.predictedLabel(i), "learner's own read-out, test sample " + i);
          correct += expected == labels[1280 + i] ? 1 : 0;
        }
      }
    }
    assertTrue(correct > 0.7 * 400, "RanPAC learns the curved classes: " + correct + " of 400");
  }

  @Test
  void predictionsAndStateDoNotDependOnHowTheStreamIsCut() {
    int[] labels = new int[700];
    float[][] x = samples(700, labels, 9);
    for (int i = 0; i < labels.length; i += 10) {
      labels[i] = -1; // unlabelled: predicted, not learned
    }
    RanpacState whole = LEARNER.initialState(DIM);
    List<int[]> wholePredictions = learn(whole, x, labels, 0, 700, 700);
    for (int size : new int[] {1, 37, 128}) {
      RanpacState cut = LEARNER.initialState(DIM);
      List<int[]> cutPredictions = learn(cut, x, labels, 0, 700, size);
      assertEquals(whole, cut, "state after batches of " + size);
      for (int i = 0; i < 700; i++) {
        assertArrayEquals(wholePredictions.get(i), cutPredictions.get(i), "sample " + i + ", batches of " + size);
      }
    }
    assertEquals(700, whole.samplesSeen());
    assertEquals(630, whole.labelledSeen());
    assertEquals(0, wholePredictions.get(0).length, "nothing to predict before the first solve");
    assertTrue(wholePredictions.get(699).length > 0);
  }

  @Test
  void theReadOutIsSolvedAt256512AndSoOnThenEverySolveEvery() {
    RanpacLearner learner = new RanpacLearner(new RanpacLearner.Settings(M, 1, 2048), ENCODER);
    assertEquals(256, learner.nextSolve(0));
    assertEquals(512, learner.nextSolve(256));
    assertEquals(1024, learner.nextSolve(700));
    assertEquals(2048, learner.nextSolve(2047));
    assertEquals(4096, learner.nextSolve(2048));
    assertEquals(6144, learner.nextSolve(5000));
    RanpacLearner every100 = new RanpacLearner(new RanpacLearner.Settings(M, 1, 100), ENCODER);
    assertEquals(100, every100.nextSolve(0));
    assertEquals(300, every100.nextSolve(250));
  }

  @Test
  void aSampleIsHeldOutByItsSequenceNumberOneInFive() {
    int held = 0;
    int heldOfEveryFifth = 0;
    for (long sequence = 0; sequence < 100_000; sequence++) {
      held += RanpacState.isHeldOut(sequence) ? 1 : 0;
      heldOfEveryFifth += sequence % 5 == 0 && RanpacState.isHeldOut(sequence) ? 1 : 0;
    }
    assertEquals(20_000, held, 400);
    assertEquals(4_000, heldOfEveryFifth, 250, "a stream labelled every fifth sample still holds one in five out");
  }

  @Test
  void halvesMergeIntoTheWholeStreamsStatistics() {
    int[] labels = new int[900];
    float[][] x = samples(900, labels, 11);
    RanpacState whole = LEARNER.initialState(DIM);
    learn(whole, x, labels, 0, 900, 100);
    RanpacState first = LEARNER.initialState(DIM);
    learn(first, x, labels, 0, 430, 100);
    RanpacState second = LEARNER.initialState(DIM);
    learn(second, x, labels, 430, 900, 100);
    RanpacState merged = LEARNER.merge().apply(first, second);

    assertArrayEquals(whole.labels(), merged.labels());
    assertArrayEquals(whole.counts(), merged.counts());
    assertEquals(whole.heldOutSamples(), merged.heldOutSamples());
    assertEquals(whole.samplesSeen(), merged.samplesSeen());
    assertArrayEquals(whole.fitGram(), merged.fitGram(), 1e-9 * max(whole.fitGram()));
    assertArrayEquals(whole.heldOutGram(), merged.heldOutGram(), 1e-9 * max(whole.heldOutGram()));
    assertArrayEquals(whole.fitPrototypes(), merged.fitPrototypes(), 1e-9 * max(whole.fitPrototypes()));
    assertArrayEquals(whole.heldOutPrototypes(), merged.heldOutPrototypes(), 1e-9 * max(whole.heldOutPrototypes()));
  }

  @Test
  void theStateSurvivesItsSchemaBeforeAndAfterTheFirstSolve() {
    int[] labels = new int[300];
    float[][] x = samples(300, labels, 13);
    RanpacStateSchema schema = new RanpacStateSchema();
    RanpacState state = LEARNER.initialState(DIM);
    learn(state, x, labels, 0, 100, 100);
    assertTrue(Double.isNaN(state.ridge()));
    assertEquals(state, schema.read(schema.write(state)));
    learn(state, x, labels, 100, 300, 100);
    assertFalse(Double.isNaN(state.ridge()));
    assertEquals(state, schema.read(schema.write(state)));
  }

  private static int[] copyWithout(int[] labels) {
    int[] unlabelled = labels.clone();
    java.util.Arrays.fill(unlabelled, -1);
    return unlabelled;
  }

  private static double max(double[] values) {
    double max = 0;
    for (double v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }

  private static void assertTriangleClose(double[][] expected, double[] lowerTriangle, String what) {
    int t = 0;
    for (int i = 0; i < M; i++) {
      for (int j = 0; j <= i; j++) {
        assertClose(expected[i][j], lowerTriangle[t++], what + " [" + i + "][" + j + "]");
      }
    }
  }

  /** Within 1e-4 relative (float projections against the reference's double ones), 1e-6 absolute near zero. */
  private static void assertClose(double expected, double actual, String what) {
    assertEquals(expected, actual, 1e-4 * Math.abs(expected) + 1e-6, what);
  }

  private static float[] rows(float[][] x, int from, int n) {
    float[] rows = new float[n * DIM];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x[from + i], 0, rows, i * DIM, DIM);
    }
    return rows;
  }
}
