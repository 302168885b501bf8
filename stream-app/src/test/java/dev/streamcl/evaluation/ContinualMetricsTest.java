package dev.streamcl.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ContinualMetricsTest {
  private static final double EPS = 1e-12;
  private static final double N = Double.NaN; // not evaluated (j > i)

  @Test
  void learnerThatForgetsEverything() {
    // R (T = 3):      task0 task1 task2
    //   after 0:        1     -     -
    //   after 1:        0     1     -
    //   after 2:        0     0     1
    AccuracyMatrix r = AccuracyMatrix.of(new double[][] {
        {1, N, N},
        {0, 1, N},
        {0, 0, 1}});
    ContinualMetrics.Summary s = ContinualMetrics.summarize(r);
    // A_T = (0 + 0 + 1) / 3 = 1/3
    assertEquals(1.0 / 3, s.finalAverageAccuracy(), EPS);
    // A_0 = 1, A_1 = (0+1)/2 = 1/2, A_2 = 1/3  ->  (1 + 1/2 + 1/3) / 3 = (11/6) / 3 = 11/18
    assertEquals(11.0 / 18, s.averageIncrementalAccuracy(), EPS);
    // j=0: max(R00=1, R10=0) - R20=0 = 1;  j=1: R11=1 - R21=0 = 1  ->  (1+1)/2 = 1
    assertEquals(1.0, s.averageForgetting(), EPS);
    // j=0: R20 - R00 = 0 - 1 = -1;  j=1: R21 - R11 = 0 - 1 = -1  ->  -1
    assertEquals(-1.0, s.backwardTransfer(), EPS);
  }

  @Test
  void learnerThatForgetsNothing() {
    // all recorded entries 1 (built incrementally, upper triangle left missing)
    AccuracyMatrix r = new AccuracyMatrix(4);
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j <= i; j++) {
        r.record(i, j, 1.0);
      }
    }
    ContinualMetrics.Summary s = ContinualMetrics.summarize(r);
    // every A_i = 1, every drop = 0
    assertEquals(new ContinualMetrics.Summary(1.0, 1.0, 0.0, 0.0), s);
  }

  @Test
  void mixedExampleWhereMaxOverPastRowsMatters() {
    // R (T = 3):      task0 task1 task2
    //   after 0:      0.90    -     -
    //   after 1:      0.95  0.80    -
    //   after 2:      0.60  0.70  0.85
    // upper-triangle entry R[0][2] = 0.10 is given (zero-shot eval) and must be ignored
    AccuracyMatrix r = AccuracyMatrix.of(new double[][] {
        {0.90, N, 0.10},
        {0.95, 0.80, N},
        {0.60, 0.70, 0.85}});
    assertEquals(0.10, r.get(0, 2), EPS); // kept
    assertTrue(Double.isNaN(r.get(0, 1)));
    ContinualMetrics.Summary s = ContinualMetrics.summarize(r);
    // A_T = (0.60 + 0.70 + 0.85) / 3 = 2.15 / 3 = 0.716666...
    assertEquals(0.7166666666666667, s.finalAverageAccuracy(), EPS);
    // A_0 = 0.90, A_1 = (0.95 + 0.80)/2 = 0.875, A_2 = 0.716666...
    // (0.90 + 0.875 + 0.716666...) / 3 = 2.491666... / 3 = 0.830555...
    assertEquals(0.8305555555555556, s.averageIncrementalAccuracy(), EPS);
    // j=0: max(R00=0.90, R10=0.95) - R20=0.60 = 0.35  (using only R00 would give 0.30)
    // j=1: R11=0.80 - R21=0.70 = 0.10
    // F = (0.35 + 0.10) / 2 = 0.225
    assertEquals(0.225, s.averageForgetting(), EPS);
    // j=0: 0.60 - 0.90 = -0.30;  j=1: 0.70 - 0.80 = -0.10  ->  BWT = -0.40 / 2 = -0.20
    assertEquals(-0.20, s.backwardTransfer(), EPS);
  }

  @Test
  void singleTaskHasNoForgettingOrTransfer() {
    AccuracyMatrix r = new AccuracyMatrix(1).record(0, 0, 0.7);
    assertEquals(new ContinualMetrics.Summary(0.7, 0.7, 0.0, 0.0), ContinualMetrics.summarize(r));
  }

  @Test
  void missingRequiredEntryAndBadInputFail() {
    AccuracyMatrix r = new AccuracyMatrix(2).record(0, 0, 0.9).record(1, 1, 0.8); // R[1][0] missing
    assertThrows(IllegalStateException.class, () -> ContinualMetrics.finalAverageAccuracy(r));
    assertThrows(IllegalArgumentException.class, () -> r.record(0, 0, 1.5));
    assertThrows(IndexOutOfBoundsException.class, () -> r.record(2, 0, 0.5));
    assertThrows(IllegalArgumentException.class, () -> AccuracyMatrix.of(new double[][] {{1, 0}, {1}}));
    assertThrows(IllegalArgumentException.class, () -> new AccuracyMatrix(0));
  }
}
