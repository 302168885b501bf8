package dev.streamcl.drift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdwinTest {
  @Test
  void theWindowsMeanAndVarianceAreThoseOfItsLastValues() {
    Adwin adwin = new Adwin(0.002);
    Random random = new Random(7);
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      double value = i < 10_000 ? (random.nextDouble() < 0.2 ? 1 : 0) : (random.nextDouble() < 0.7 ? 1 : 0);
      values.add(value);
      adwin.add(value);
      if (i % 997 == 0 || i == 19_999) {
        List<Double> window = values.subList(values.size() - (int) adwin.width(), values.size());
        double mean = window.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertEquals(mean, adwin.mean(), 1e-9, "window mean after " + (i + 1) + " values");
        double[] snapshot = adwin.snapshot();
        double squares = window.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        assertEquals(squares, snapshot[3], 1e-6 * Math.max(1, squares), "sum of squared deviations");
      }
    }
  }

  @Test
  void aStationaryStreamKeepsGrowingItsWindowWithLogarithmicMemory() {
    for (long seed = 1; seed <= 5; seed++) {
      Adwin adwin = new Adwin(0.002);
      Random random = new Random(seed);
      int cuts = 0;
      for (int i = 0; i < 50_000; i++) {
        if (adwin.add(random.nextDouble() < 0.2 ? 1 : 0) != null) {
          cuts++;
        }
      }
      assertTrue(cuts <= 1, "seed " + seed + ": " + cuts + " changes found in a stationary Bernoulli(0.2) stream");
      int buckets = (adwin.snapshot().length - 4) / 3;
      int bound = Adwin.BUCKETS_PER_SIZE * (64 - Long.numberOfLeadingZeros(adwin.width()) + 1);
      assertTrue(buckets <= bound, buckets + " buckets for a window of " + adwin.width() + " (bound " + bound + ")");
    }
  }

  @Test
  void anAbruptChangeIsFoundSoonAndTheOldValuesAreDropped() {
    Adwin adwin = new Adwin(0.002);
    Random random = new Random(3);
    for (int i = 0; i < 10_000; i++) {
      assertNull(adwin.add(random.nextDouble() < 0.1 ? 1 : 0), "change found at " + i + " before any change");
    }
    Adwin.Change change = null;
    int after = 0;
    while (change == null && after < 1_000) {
      change = adwin.add(random.nextDouble() < 0.5 ? 1 : 0);
      after++;
    }
    assertNotNull(change, "no change found within 1,000 values of a rise from 0.1 to 0.5");
    assertTrue(after <= 200, "found after " + after + " values");
    assertTrue(change.magnitude() > 0.2, "magnitude " + change.magnitude());
    assertTrue(change.olderMean() < 0.15 && change.newerMean() > 0.3, change.toString());
    for (int i = 0; i < 2_000; i++) {
      adwin.add(random.nextDouble() < 0.5 ? 1 : 0);
    }
    assertTrue(adwin.width() <= after + 2_000 + 128, // a bucket straddling the change may keep a few old ones
        "the window still holds " + adwin.width() + " values, " + (after + 2_000) + " after the change");
    assertEquals(0.5, adwin.mean(), 0.05);
  }

  @Test
  void aRestoredAdwinContinuesExactly() {
    Adwin original = new Adwin(0.01);
    Random random = new Random(11);
    for (int i = 0; i < 5_000; i++) {
      original.add(random.nextDouble() < (i < 3_000 ? 0.3 : 0.6) ? 1 : 0);
    }
    Adwin restored = Adwin.restore(0.01, original.snapshot());
    for (int i = 0; i < 5_000; i++) {
      double value = random.nextDouble() < 0.1 ? 1 : 0;
      assertEquals(original.add(value), restored.add(value), "value " + i + " after the restore");
    }
    assertArrayEquals(original.snapshot(), restored.snapshot());
  }

  @Test
  void deltaMustBeAProbability() {
    assertThrows(IllegalArgumentException.class, () -> new Adwin(0));
    assertThrows(IllegalArgumentException.class, () -> new Adwin(1));
  }
}
