package dev.streamcl.learner.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.learner.replay.ReplayBuffer.Policy;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
  private static final int STREAM = 10_000;
  private static final int CAPACITY = 500;

  @Test
  void replayRandomIsJavaUtilRandom() {
    ReplayRandom ours = new ReplayRandom(42);
    Random jdk = new Random(42);
    for (int bound : new int[] {1, 2, 3, 7, 64, 500, 1_000_003, Integer.MAX_VALUE}) {
      for (int k = 0; k < 1000; k++) {
        assertEquals(jdk.nextInt(bound), ours.nextInt(bound));
      }
    }
  }

  @Test
  void reservoirKeepsAUniformSample() {
    ReplayBuffer buffer = new ReplayBuffer(Policy.RESERVOIR, 1, CAPACITY, 7);
    offerIndices(buffer, STREAM, 10);
    assertEquals(CAPACITY, buffer.size());
    long[] perDecile = new long[10];
    for (float index : buffer.contents().features()) {
      perDecile[(int) index / (STREAM / 10)]++;
    }
    // χ² with 9 degrees of freedom: 27.88 is the 0.999 quantile.
    assertTrue(chiSquare(perDecile, CAPACITY / 10.0) < 27.88, "deciles " + Arrays.toString(perDecile));
  }

  @Test
  void reservoirIncludesEarlyAndLateSamplesAlike() {
    long early = 0;
    long late = 0;
    for (int seed = 0; seed < 200; seed++) {
      ReplayBuffer buffer = new ReplayBuffer(Policy.RESERVOIR, 1, CAPACITY, seed);
      offerIndices(buffer, STREAM, 10);
      for (float index : buffer.contents().features()) {
        early += index < 100 ? 1 : 0;
        late += index >= STREAM - 100 ? 1 : 0;
      }
    }
    // Each expects 200 · 100 · 500/10000 = 1000 (σ ≈ 31).
    assertEquals(1000, early, 130);
    assertEquals(1000, late, 130);
  }

  @Test
  void classBalancedGivesEverySeenClassAnEqualShare() {
    ReplayBuffer buffer = new ReplayBuffer(Policy.CLASS_BALANCED, 1, CAPACITY, 3);
    int[] perClass = {4000, 300, 2000, 150, 1000}; // class-incremental, imbalanced
    int index = 0;
    for (int label = 0; label < perClass.length; label++) {
      for (int k = 0; k < perClass[label]; k++) {
        buffer.offer(new float[] {index++}, 0, label);
      }
      for (int seen = 0; seen <= label; seen++) {
        assertEquals(CAPACITY / (label + 1), buffer.countOf(seen), 1, "class " + seen + " after class " + label);
      }
    }
  }

  @Test
  void classBalancedKeepsAUniformSampleWithinAClass() {
    ReplayBuffer buffer = new ReplayBuffer(Policy.CLASS_BALANCED, 1, CAPACITY, 5);
    offerIndices(buffer, STREAM, 2);
    long[] perDecile = new long[10];
    for (float index : buffer.contents().features()) {
      perDecile[(int) index / (STREAM / 10)]++;
    }
    assertTrue(chiSquare(perDecile, CAPACITY / 10.0) < 27.88, "deciles " + Arrays.toString(perDecile));
  }

  @Test
  void sameSeedGivesIdenticalContentsAndDraws() {
    for (Policy policy : Policy.values()) {
      ReplayBuffer a = new ReplayBuffer(policy, 1, CAPACITY, 11);
      ReplayBuffer b = new ReplayBuffer(policy, 1, CAPACITY, 11);
      ReplayBuffer other = new ReplayBuffer(policy, 1, CAPACITY, 12);
      offerIndices(a, STREAM, 10);
      offerIndices(b, STREAM, 10);
      offerIndices(other, STREAM, 10);
      assertEquals(a, b);
      assertNotEquals(a, other);
      assertTrue(Arrays.equals(a.sample(32).features(), b.sample(32).features()));
      assertEquals(a, b);
    }
  }

  @Test
  void restoredBufferContinuesExactly() throws Exception {
    for (Policy policy : Policy.values()) {
      ReplayBuffer live = new ReplayBuffer(policy, 1, 50, 9);
      offerIndices(live, 1000, 10);
      ReplayBuffer restored = roundTrip(live);
      assertEquals(live, restored);
      for (int i = 1000; i < 3000; i++) {
        live.offer(new float[] {i}, 0, i % 10);
        restored.offer(new float[] {i}, 0, i % 10);
      }
      assertEquals(live, restored);
      assertTrue(Arrays.equals(live.sample(20).labels(), restored.sample(20).labels()));
    }
  }

  @Test
  void sampleDrawsDistinctStoredRows() {
    ReplayBuffer buffer = new ReplayBuffer(Policy.RESERVOIR, 2, 100, 1);
    for (int i = 0; i < 1000; i++) {
      buffer.offer(new float[] {i, -i}, 0, i % 3);
    }
    Set<Float> stored = new HashSet<>();
    for (int i = 0; i < buffer.size(); i++) {
      stored.add(buffer.contents().features()[2 * i]);
    }
    ReplaySamples drawn = buffer.sample(32);
    Set<Float> seen = new HashSet<>();
    for (int i = 0; i < drawn.count(); i++) {
      float index = drawn.features()[2 * i];
      assertTrue(stored.contains(index) && seen.add(index), "row " + index);
      assertEquals(-index, drawn.features()[2 * i + 1]);
      assertEquals((int) index % 3, drawn.labels()[i]);
    }
    assertEquals(32, drawn.count());
    assertEquals(100, buffer.sample(500).count());
  }

  private static void offerIndices(ReplayBuffer buffer, int count, int classes) {
    for (int i = 0; i < count; i++) {
      buffer.offer(new float[] {i}, 0, i % classes);
    }
  }

  private static double chiSquare(long[] observed, double expected) {
    double sum = 0;
    for (long o : observed) {
      sum += (o - expected) * (o - expected) / expected;
    }
    return sum;
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
