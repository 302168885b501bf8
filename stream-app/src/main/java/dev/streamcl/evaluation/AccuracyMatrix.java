package dev.streamcl.evaluation;

import java.util.Arrays;

/**
 * T×T accuracy matrix: {@code R[i][j]} is the accuracy on task {@code j} after training through
 * task {@code i}. Entries never recorded are {@link Double#NaN}; entries above the diagonal
 * (j &gt; i) are kept when given but no metric in {@link ContinualMetrics} requires them.
 */
public final class AccuracyMatrix {
  private final double[][] r;

  /** Empty T×T matrix (all NaN), to be filled with {@link #record}. */
  public AccuracyMatrix(int tasks) {
    if (tasks < 1) {
      throw new IllegalArgumentException("tasks must be >= 1, got " + tasks);
    }
    r = new double[tasks][tasks];
    for (double[] row : r) {
      Arrays.fill(row, Double.NaN);
    }
  }

  /** Copies a square matrix; NaN marks missing entries. */
  public static AccuracyMatrix of(double[][] values) {
    AccuracyMatrix m = new AccuracyMatrix(values.length);
    for (int i = 0; i < values.length; i++) {
      if (values[i].length != values.length) {
        throw new IllegalArgumentException(
            "row " + i + " has length " + values[i].length + ", expected " + values.length);
      }
      for (int j = 0; j < values.length; j++) {
        if (!Double.isNaN(values[i][j])) {
          m.record(i, j, values[i][j]);
        }
      }
    }
    return m;
  }

  /** Records the accuracy on task {@code onTask} after training through task {@code afterTask}. */
  public AccuracyMatrix record(int afterTask, int onTask, double accuracy) {
    checkIndex(afterTask);
    checkIndex(onTask);
    if (!(accuracy >= 0.0 && accuracy <= 1.0)) {
      throw new IllegalArgumentException("accuracy must be in [0, 1], got " + accuracy);
    }
    r[afterTask][onTask] = accuracy;
    return this;
  }

  public int tasks() {
    return r.length;
  }

  /** R[i][j], or NaN when not recorded. */
  public double get(int afterTask, int onTask) {
    checkIndex(afterTask);
    checkIndex(onTask);
    return r[afterTask][onTask];
  }

  /** R[i][j], failing with a clear message when the entry is missing. */
  double require(int afterTask, int onTask) {
    double v = get(afterTask, onTask);
    if (Double.isNaN(v)) {
      throw new IllegalStateException("missing accuracy R[" + afterTask + "][" + onTask + "]");
    }
    return v;
  }

  private void checkIndex(int t) {
    if (t < 0 || t >= r.length) {
      throw new IndexOutOfBoundsException("task " + t + " not in [0, " + r.length + ")");
    }
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (double[] row : r) {
      sb.append(Arrays.toString(row)).append('\n');
    }
    return sb.toString();
  }
}
