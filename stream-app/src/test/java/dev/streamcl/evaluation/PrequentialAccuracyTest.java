package dev.streamcl.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PrequentialAccuracyTest {
  private static final double EPS = 1e-12;

  @Test
  void slidingWindowOfThree() {
    PrequentialAccuracy p = new PrequentialAccuracy(3);
    assertTrue(Double.isNaN(p.windowAccuracy()));
    assertTrue(Double.isNaN(p.overallAccuracy()));

    boolean[] stream = {true, false, true, true, false, false};
    // window contents after each add, and (window, overall):
    // [T]      1/1  1/1
    // [T F]    1/2  1/2
    // [T F T]  2/3  2/3
    // [F T T]  2/3  3/4
    // [T T F]  2/3  3/5
    // [T F F]  1/3  3/6
    double[] window = {1.0, 0.5, 2.0 / 3, 2.0 / 3, 2.0 / 3, 1.0 / 3};
    double[] overall = {1.0, 0.5, 2.0 / 3, 0.75, 0.6, 0.5};
    for (int k = 0; k < stream.length; k++) {
      p.add(stream[k]);
      assertEquals(k + 1, p.count());
      assertEquals(window[k], p.windowAccuracy(), EPS, "window after " + (k + 1));
      assertEquals(overall[k], p.overallAccuracy(), EPS, "overall after " + (k + 1));
    }
  }

  @Test
  void matchesBruteForceOnRandomStream() {
    int w = 7;
    Random rnd = new Random(42);
    boolean[] seen = new boolean[500];
    PrequentialAccuracy p = new PrequentialAccuracy(w);
    for (int n = 0; n < seen.length; n++) {
      seen[n] = rnd.nextDouble() < 0.7;
      p.add(seen[n]);
      int from = Math.max(0, n + 1 - w);
      int correct = 0;
      for (int k = from; k <= n; k++) {
        if (seen[k]) {
          correct++;
        }
      }
      assertEquals((double) correct / (n + 1 - from), p.windowAccuracy(), EPS);
    }
  }

  @Test
  void rejectsEmptyWindow() {
    assertThrows(IllegalArgumentException.class, () -> new PrequentialAccuracy(0));
  }
}
