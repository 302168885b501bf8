package dev.streamcl.drift;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

/** Synthetic error streams: what a learner that learns looks like, and what drift looks like. */
class PrequentialDriftDetectorTest {
  @Test
  void aLearningCurveIsNotDrift() {
    // Error falls from 0.9 to 0.05 over 10,000 samples, as a learner's does on a new task.
    List<PrequentialDriftDetector.Drift> drifts = run(20_000, 1, n -> 0.05 + 0.85 * Math.exp(-n / 2_500.0));
    assertEquals(List.of(), drifts);
  }

  @Test
  void aRiseInErrorIsOneDriftSoonAfterIt() {
    List<PrequentialDriftDetector.Drift> drifts = run(12_000, 2, n -> n < 6_000 ? 0.05 : 0.3);
    assertEquals(1, drifts.size(), drifts.toString());
    PrequentialDriftDetector.Drift drift = drifts.get(0);
    assertTrue(drift.sample() >= 6_000 && drift.sample() < 6_300, "found at " + drift.sample());
    assertTrue(drift.magnitude() > 0.1, drift.toString());
  }

  @Test
  void aSuddenFallAfterASteadyStretchIsDriftButARecoveryIsNot() {
    // Steady at 0.4, then easier inputs: 0.1 at once (drift). Later a burst of errors (drift) that the learner
    // recovers from within a few hundred samples (not a second drift).
    List<PrequentialDriftDetector.Drift> drifts = run(20_000, 3,
        n -> n < 8_000 ? 0.4 : n < 14_000 ? 0.1 : n < 14_100 ? 0.9 : 0.1);
    assertEquals(2, drifts.size(), drifts.toString());
    assertTrue(drifts.get(0).sample() >= 8_000 && drifts.get(0).sample() < 8_300, drifts.toString());
    assertTrue(drifts.get(0).magnitude() < -0.2, drifts.toString());
    assertTrue(drifts.get(1).sample() >= 14_000 && drifts.get(1).sample() < 14_200, drifts.toString());
    assertTrue(drifts.get(1).magnitude() > 0, drifts.toString());
  }

  @Test
  void aRestoredDetectorReportsWhatAnUninterruptedOneDoes() {
    LongToDoubleFunction error = n -> n < 5_000 ? 0.1 : 0.5;
    List<PrequentialDriftDetector.Drift> expected = run(10_000, 4, error);
    Random random = new Random(4);
    PrequentialDriftDetector detector = new PrequentialDriftDetector(PrequentialDriftDetector.DEFAULT_DELTA);
    List<PrequentialDriftDetector.Drift> drifts = new ArrayList<>();
    for (long n = 0; n < 10_000; n++) {
      if (n == 4_990) {
        detector = PrequentialDriftDetector.restore(detector.delta(), detector.snapshot());
      }
      PrequentialDriftDetector.Drift drift = detector.add(random.nextDouble() < error.applyAsDouble(n));
      if (drift != null) {
        drifts.add(drift);
      }
    }
    assertEquals(expected, drifts);
    assertEquals(1, drifts.size());
  }

  private static List<PrequentialDriftDetector.Drift> run(long samples, long seed, LongToDoubleFunction error) {
    Random random = new Random(seed);
    PrequentialDriftDetector detector = new PrequentialDriftDetector(PrequentialDriftDetector.DEFAULT_DELTA);
    List<PrequentialDriftDetector.Drift> drifts = new ArrayList<>();
    for (long n = 0; n < samples; n++) {
      PrequentialDriftDetector.Drift drift = detector.add(random.nextDouble() < error.applyAsDouble(n));
      if (drift != null) {
        drifts.add(drift);
      }
    }
    return drifts;
  }
}
