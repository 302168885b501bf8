package dev.streamcl.learner.kvb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.streamcl.onnx.ComputeDevice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyValueBottleneckTest {
  private static final KvbHyperparameters CONFIG = new KvbHyperparameters(2, 3, 2, 1, 3, 0.3, 0.1, 9L, 0.95, 0.1, 10);
  private static final int DIM = 4;

  private static KeyValueBottleneck state() {
    float[] keys = new float[CONFIG.valueRows() * CONFIG.keyDim()];
    Random random = new Random(1);
    for (int i = 0; i < keys.length; i++) {
      keys[i] = (float) random.nextGaussian();
    }
    return KeyValueBottleneck.withKeys(CONFIG, DIM, keys);
  }

  private static void learnOneBatch(KeyValueBottleneck state) {
    float[] x = {1, 0, 0, 0, 0, 1, 0, 0};
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      kernel.trainStep(state, x, 2, new int[] {2, KeyValueBottleneckKernel.UNLABELLED});
    }
  }

  @Test
  void projectionIsRegeneratedFromSeedAndShape() {
    float[] w = RandomProjection.matrix(CONFIG, DIM);
    assertEquals(DIM * CONFIG.projectedDim(), w.length);
    assertArrayEquals(w, RandomProjection.matrix(9L, DIM, 2, 2));
    assertFalse(Arrays.equals(w, RandomProjection.matrix(10L, DIM, 2, 2)));
    double meanSquare = 0;
    float[] big = RandomProjection.matrix(3L, 100, 10, 14);
    for (float v : big) {
      meanSquare += (double) v * v / big.length;
    }
    assertEquals(1.0 / 14, meanSquare, 0.005, "entries are N(0, 1/dk)");
  }

  @Test
  void touchedRowsAreTheLearnedOnesUntilCleared() {
    KeyValueBottleneck state = state();
    assertArrayEquals(new float[CONFIG.valueRows() * 3], state.values(), "values start at zero");
    learnOneBatch(state);
    int[] touched = state.touchedRows();
    assertEquals(CONFIG.codebooks(), touched.length, "one labelled sample, top-1: one row per codebook");
    for (int row = 0; row < CONFIG.valueRows(); row++) {
      boolean changed = state.valueRows(new int[] {row})[2] != 0;
      assertEquals(Arrays.binarySearch(touched, row) >= 0, changed, "row " + row);
    }
    assertEquals(2, state.samplesSeen());
    assertEquals(1, state.labelledSeen());
    state.clearTouchedRows();
    assertEquals(0, state.touchedRows().length);
  }

  @Test
  void copiesAndSerialisedCopiesAreEqualAndIndependent() throws Exception {
    KeyValueBottleneck state = state();
    learnOneBatch(state);
    KeyValueBottleneck copy = state.copy();
    assertEquals(state, copy);
    assertEquals(state, roundTrip(state));
    learnOneBatch(copy);
    assertNotEquals(state, copy);
    assertEquals(1, state.labelledSeen());
  }

  @Test
  void rejectsWronglySizedParts() {
    assertThrows(IllegalArgumentException.class, () -> KeyValueBottleneck.withKeys(CONFIG, DIM, new float[3]));
    assertThrows(IllegalArgumentException.class,
        () -> KeyValueBottleneck.of(CONFIG, DIM, new float[12], new float[5], 0, 0));
    assertThrows(IllegalArgumentException.class, () -> CONFIG.withTopK(4));
  }

  @Test
  void presetsHaveThePaperShape() {
    KvbHyperparameters paper = KvbHyperparameters.paper();
    assertEquals(256, paper.codebooks());
    assertEquals(4096, paper.keysPerCodebook());
    assertEquals(14, paper.keyDim());
    assertEquals(1, paper.topK());
    assertEquals(0.3, paper.learningRate());
    assertEquals(0.1, paper.labelSmoothing());
    assertEquals(0.95, KvbHyperparameters.defaults().emaDecay());
    assertEquals(0.1, KvbHyperparameters.larger().deadKeyFactor());
  }

  private static KeyValueBottleneck roundTrip(KeyValueBottleneck state) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(state);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (KeyValueBottleneck) in.readObject();
    }
  }
}
