package dev.streamcl.learner.kvb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyValueBottleneckKernelTest {
  private static final int DIM = 6;
  private static final int BATCH = 16;
  private static final int UNLABELLED = KeyValueBottleneckKernel.UNLABELLED;
  private static final double TOLERANCE = 1e-5;

  /** d=6, C=3, K=5, dk=2, 4 classes; random Gaussian keys and (for the step) random values. */
  private static KeyValueBottleneck randomState(int topK, boolean randomValues) {
    KvbHyperparameters config = new KvbHyperparameters(3, 5, 2, topK, 4, 0.3, 0.1, 7L, 0.95, 0.1, 100);
    Random random = new Random(11 + topK);
    float[] keys = gaussians(random, config.valueRows() * config.keyDim(), 1);
    int valueCount = config.valueRows() * config.classes();
    float[] values = randomValues ? gaussians(random, valueCount, 0.5) : new float[valueCount];
    return KeyValueBottleneck.of(config, DIM, keys, values, 0, 0);
  }

  private static float[] features(long seed) {
    return gaussians(new Random(seed), BATCH * DIM, 1);
  }

  /** Features near the origin: they share few keys, so some value rows stay unfetched. */
  private static float[] clusteredFeatures(long seed) {
    return gaussians(new Random(seed), BATCH * DIM, 0.3);
  }

  private static float[] gaussians(Random random, int n, double scale) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (scale * random.nextGaussian());
    }
    return out;
  }

  private static void assertNoNearTies(KvbReference reference, float[] x) {
    for (int b = 0; b < BATCH; b++) {
      assertTrue(reference.smallestGap(x, b) > 1e-3, "test data has a near-tie at sample " + b + "; change the seed");
    }
  }

  @ParameterizedTest(name = "top-{0}")
  @ValueSource(ints = {1, 2})
  void forwardAgreesWithPlainJava(int topK) {
    KeyValueBottleneck state = randomState(topK, true);
    KvbReference reference = new KvbReference(state);
    float[] x = features(3);
    assertNoNearTies(reference, x);
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      KeyValueBottleneckKernel.Forward forward = kernel.forward(state, x, BATCH);
      int perSample = 3 * topK;
      for (int b = 0; b < BATCH; b++) {
        int[] rows = Arrays.copyOfRange(forward.fetchedRows(), b * perSample, (b + 1) * perSample);
        assertArrayEquals(reference.fetchedRows(x, b), rows, "rows of sample " + b);
        double[] p = reference.probabilities(state.values(), x, b);
        for (int y = 0; y < 4; y++) {
          assertEquals(p[y], forward.probabilities()[b * 4 + y], TOLERANCE, "p[" + b + "][" + y + "]");
        }
        assertEquals(argmax(p), forward.predictions().predictedLabel(b));
        assertEquals(3, forward.predictions().topLabels(b).length);
      }
    }
  }

  @ParameterizedTest(name = "top-{0}")
  @ValueSource(ints = {1, 2})
  void trainStepIsTheReferenceSgdStepOnFetchedRowsOnly(int topK) {
    KeyValueBottleneck state = randomState(topK, true);
    KvbReference reference = new KvbReference(state);
    float[] x = clusteredFeatures(5);
    assertNoNearTies(reference, x);
    int[] labels = new int[BATCH];
    Random random = new Random(17);
    for (int b = 0; b < BATCH; b++) {
      labels[b] = b % 5 == 4 ? UNLABELLED : random.nextInt(4);
    }
    float[] before = state.values();
    float[] expected = reference.sgdStep(before, x, BATCH, labels);
    TreeSet<Integer> learnedRows = new TreeSet<>();
    for (int b = 0; b < BATCH; b++) {
      if (labels[b] != UNLABELLED) {
        for (int row : reference.fetchedRows(x, b)) {
          learnedRows.add(row);
        }
      }
    }
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      Predictions predictions = kernel.trainStep(state, x, BATCH, labels);
      for (int b = 0; b < BATCH; b++) {
        assertEquals(argmax(reference.probabilities(before, x, b)), predictions.predictedLabel(b),
            "predicted from the values before the step, sample " + b);
      }
    }
    float[] after = state.values();
    for (int i = 0; i < after.length; i++) {
      assertEquals(expected[i], after[i], TOLERANCE, "value " + i);
      assertEquals(expected[i] - before[i], after[i] - before[i], 1e-6, "change of value " + i); // steps are ~1e-3
      if (!learnedRows.contains(i / 4)) {
        assertEquals(before[i], after[i], "row " + i / 4 + " was not fetched by a labelled sample");
      }
    }
    assertArrayEquals(learnedRows.stream().mapToInt(Integer::intValue).toArray(), state.touchedRows());
    assertTrue(learnedRows.size() < 15, "some rows stay untouched, so the check above means something");
    assertEquals(BATCH, state.samplesSeen());
    assertEquals(BATCH - 3, state.labelledSeen());
  }

  /** 100 samples: looked up in pieces of 32, 32, 32 and 4, stepped as one minibatch. */
  @Test
  void aMinibatchLookedUpInPiecesIsPredictedAsOneLookupAndSteppedAsTheReference() {
    int batch = 100;
    KeyValueBottleneck state = randomState(2, true);
    KvbReference reference = new KvbReference(state);
    float[] x = gaussians(new Random(31), batch * DIM, 0.3);
    for (int b = 0; b < batch; b++) {
      assertTrue(reference.smallestGap(x, b) > 1e-3, "test data has a near-tie at sample " + b + "; change the seed");
    }
    int[] labels = new Random(37).ints(batch, 0, 4).toArray();
    float[] before = state.values();
    float[] expected = reference.sgdStep(before, x, batch, labels);
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      Predictions whole = kernel.forward(state, x, batch).predictions();
      Predictions pieces = kernel.trainStep(state, x, batch, labels);
      assertEquals(batch, pieces.batchSize());
      for (int b = 0; b < batch; b++) {
        assertArrayEquals(whole.topLabels(b), pieces.topLabels(b), "labels of sample " + b);
        assertArrayEquals(whole.topScores(b), pieces.topScores(b), 0, "scores of sample " + b);
        assertEquals(argmax(reference.probabilities(before, x, b)), pieces.predictedLabel(b), "sample " + b);
      }
    }
    float[] after = state.values();
    for (int i = 0; i < after.length; i++) {
      assertEquals(expected[i], after[i], TOLERANCE, "value " + i);
    }
    assertEquals(batch, state.samplesSeen());
  }

  @Test
  void zeroValuesLearnTheLabelInOneStep() {
    KeyValueBottleneck state = randomState(1, false);
    float[] x = features(9);
    int[] labels = new int[BATCH];
    Arrays.fill(labels, 2);
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      Predictions first = kernel.trainStep(state, x, BATCH, labels);
      assertEquals(0.25f, first.topScores(0)[0], 1e-6, "zero values predict uniformly");
      Predictions second = kernel.predict(state, x, BATCH);
      for (int b = 0; b < BATCH; b++) {
        assertEquals(2, second.predictedLabel(b));
      }
    }
  }

  @Test
  void unlabelledBatchIsPredictedNotLearned() {
    KeyValueBottleneck state = randomState(2, true);
    float[] before = state.values();
    int[] labels = new int[BATCH];
    Arrays.fill(labels, UNLABELLED);
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      assertEquals(BATCH, kernel.trainStep(state, features(4), BATCH, labels).batchSize());
    }
    assertArrayEquals(before, state.values());
    assertEquals(0, state.touchedRows().length);
    assertEquals(BATCH, state.samplesSeen());
    assertEquals(0, state.labelledSeen());
  }

  @Test
  void rejectsOtherKeysAndBadLabels() {
    KeyValueBottleneck state = randomState(1, false);
    KeyValueBottleneck other = randomState(2, false);
    KeyValueBottleneck otherKeys = KeyValueBottleneck.withKeys(state.config(), DIM, other.keys());
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      assertThrows(IllegalArgumentException.class, () -> kernel.predict(otherKeys, features(1), BATCH));
      assertThrows(IllegalArgumentException.class, () -> kernel.predict(other, features(1), BATCH));
      int[] labels = new int[BATCH];
      labels[3] = 4;
      assertThrows(IllegalArgumentException.class, () -> kernel.trainStep(state, features(1), BATCH, labels));
      assertEquals(0, state.samplesSeen());
    }
  }

  /** ORT's CPU ScatterND(add) loses updates on several threads; the kernel must not let that show. */
  @Test
  void multiThreadedKernelLosesNoUpdatesOnSharedRows() {
    KvbHyperparameters config = new KvbHyperparameters(8, 5, 2, 2, 4, 0.3, 0.1, 7L, 0.95, 0.1, 100);
    Random random = new Random(23);
    KeyValueBottleneck state = KeyValueBottleneck.withKeys(config, DIM, gaussians(random, 80, 1));
    KeyValueBottleneck reference = state.copy();
    int batch = 4096; // 65,536 updates onto 40 value rows
    float[] x = gaussians(random, batch * DIM, 1);
    int[] labels = random.ints(batch, 0, 4).toArray();
    try (KeyValueBottleneckKernel threaded = new KeyValueBottleneckKernel(state, ComputeDevice.cpu(), 4);
        KeyValueBottleneckKernel single = new KeyValueBottleneckKernel(reference, ComputeDevice.cpu(), 1)) {
      for (int step = 0; step < 10; step++) {
        threaded.trainStep(state, x, batch, labels);
        single.trainStep(reference, x, batch, labels);
        assertArrayEquals(reference.values(), state.values(), "step " + step);
      }
    }
  }

  private static int argmax(double[] p) {
    int best = 0;
    for (int y = 1; y < p.length; y++) {
      best = p[y] > p[best] ? y : best;
    }
    return best;
  }
}
