package dev.streamcl.drift;

import java.util.Arrays;

/**
 * ADWIN, adaptive windowing (Bifet and Gavaldà 2007, "Learning from Time-Changing Data with Adaptive Windowing"):
 * keeps a window of the most recent values whose mean is the current estimate, and drops its oldest part whenever
 * some split into an older W0 and a newer W1 has means further apart than the bound
 * {@code eps = sqrt(2/m * var * ln(2/d)) + 2/(3m) * ln(2/d)}, with {@code 1/m = 1/n0 + 1/n1} and
 * {@code d = delta / ln(n)} (the paper's variance form of the Hoeffding bound, Theorem 3). The window is stored
 * as the paper's exponential histogram (ADWIN2): at most {@code M} buckets of each size 2^i, merged pairwise as
 * they overflow, so memory and the work of a check grow with log(window).
 *
 * <p>Plain Java and deterministic; {@link #snapshot()} / {@link #restore} carry its exact state through a Flink
 * checkpoint.
 */
public final class Adwin {
  /** Buckets of one size kept before the two oldest merge (the paper's M). */
  static final int BUCKETS_PER_SIZE = 5;
  /** Splits are checked every this many values, as in MOA's ADWIN (a check costs O(buckets)). */
  static final int CHECK_EVERY = 32;
  /** Neither side of a split may hold fewer values. */
  static final int MIN_SIDE = 5;

  private final double delta;
  // Buckets oldest first; sizes never grow from older to newer.
  private long[] sizes = new long[16];
  private double[] sums = new double[16];
  private double[] variances = new double[16]; // sum of squared deviations from the bucket's mean
  private int buckets;
  private long width;
  private double total;
  private double variance;
  private long seen;

  public Adwin(double delta) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("ADWIN's confidence delta must lie in (0, 1), got " + delta);
    }
    this.delta = delta;
  }

  /** A detected change: where the window was cut and the means on both sides. */
  public record Change(long position, long olderSize, double olderMean, long newerSize, double newerMean) {
    public double magnitude() {
      return newerMean - olderMean;
    }
  }

  /**
   * Adds one value; returns the change it revealed (the first split found, oldest first), or null. After a change
   * the window holds only values after the cut.
   */
  public Change add(double value) {
    seen++;
    append(value);
    compress();
    if (seen % CHECK_EVERY != 0 || width < 2L * MIN_SIDE) {
      return null;
    }
    Change first = null;
    Change cut;
    while ((cut = findCut()) != null) {
      if (first == null) {
        first = cut;
      }
      dropOldestBucket();
    }
    return first;
  }

  public long width() {
    return width;
  }

  public double mean() {
    return width == 0 ? Double.NaN : total / width;
  }

  /** Values added since creation. */
  public long seen() {
    return seen;
  }

  private void append(double value) {
    if (width > 0) {
      double mean = total / width;
      variance += (double) width / (width + 1) * (value - mean) * (value - mean);
    }
    width++;
    total += value;
    ensureCapacity(buckets + 1);
    sizes[buckets] = 1;
    sums[buckets] = value;
    variances[buckets] = 0;
    buckets++;
  }

  /** Merges the two oldest buckets of any size that has more than M, from the smallest size up. */
  private void compress() {
    int end = buckets; // exclusive end of the current size's run
    while (end > 0) {
      long size = sizes[end - 1];
      int start = end;
      while (start > 0 && sizes[start - 1] == size) {
        start--;
      }
      if (end - start <= BUCKETS_PER_SIZE) {
        return; // larger sizes only change when a smaller one overflows
      }
      mergeInto(start, start + 1);
      end = start + 1; // the merged bucket is the newest of the next size's run
    }
  }

  private void mergeInto(int older, int newer) {
    long n1 = sizes[older];
    long n2 = sizes[newer];
    double delta12 = sums[older] / n1 - sums[newer] / n2;
    variances[older] += variances[newer] + (double) n1 * n2 / (n1 + n2) * delta12 * delta12;
    sums[older] += sums[newer];
    sizes[older] = n1 + n2;
    remove(newer);
  }

  private Change findCut() {
    double windowVariance = variance / width;
    double logTerm = Math.log(2 * Math.log(width) / delta);
    long n0 = 0;
    double s0 = 0;
    for (int i = 0; i < buckets - 1; i++) {
      n0 += sizes[i];
      s0 += sums[i];
      long n1 = width - n0;
      if (n0 < MIN_SIDE || n1 < MIN_SIDE) {
        continue;
      }
      double mean0 = s0 / n0;
      double mean1 = (total - s0) / n1;
      double m = 1.0 / (1.0 / n0 + 1.0 / n1);
      double bound = Math.sqrt(2 / m * windowVariance * logTerm) + 2.0 / (3 * m) * logTerm;
      if (Math.abs(mean0 - mean1) > bound) {
        return new Change(seen - n1, n0, mean0, n1, mean1);
      }
    }
    return null;
  }

  private void dropOldestBucket() {
    long n = sizes[0];
    double mean = sums[0] / n;
    double restMean = (total - sums[0]) / (width - n);
    variance -= variances[0] + (double) n * (width - n) / width * (mean - restMean) * (mean - restMean);
    variance = Math.max(variance, 0);
    total -= sums[0];
    width -= n;
    remove(0);
  }

  private void remove(int index) {
    System.arraycopy(sizes, index + 1, sizes, index, buckets - index - 1);
    System.arraycopy(sums, index + 1, sums, index, buckets - index - 1);
    System.arraycopy(variances, index + 1, variances, index, buckets - index - 1);
    buckets--;
  }

  private void ensureCapacity(int n) {
    if (n > sizes.length) {
      sizes = Arrays.copyOf(sizes, 2 * n);
      sums = Arrays.copyOf(sums, 2 * n);
      variances = Arrays.copyOf(variances, 2 * n);
    }
  }

  /** The exact state as numbers: seen, width, total, variance, then size, sum, variance per bucket. */
  public double[] snapshot() {
    double[] out = new double[4 + 3 * buckets];
    out[0] = seen;
    out[1] = width;
    out[2] = total;
    out[3] = variance;
    for (int i = 0; i < buckets; i++) {
      out[4 + 3 * i] = sizes[i];
      out[5 + 3 * i] = sums[i];
      out[6 + 3 * i] = variances[i];
    }
    return out;
  }

  /** An ADWIN in the state {@link #snapshot()} gave. */
  public static Adwin restore(double delta, double[] snapshot) {
    Adwin adwin = new Adwin(delta);
    adwin.seen = (long) snapshot[0];
    adwin.width = (long) snapshot[1];
    adwin.total = snapshot[2];
    adwin.variance = snapshot[3];
    int n = (snapshot.length - 4) / 3;
    adwin.ensureCapacity(n);
    for (int i = 0; i < n; i++) {
      adwin.sizes[i] = (long) snapshot[4 + 3 * i];
      adwin.sums[i] = snapshot[5 + 3 * i];
      adwin.variances[i] = snapshot[6 + 3 * i];
    }
    adwin.buckets = n;
    return adwin;
  }
}
