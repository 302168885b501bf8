package dev.streamcl.learner.ranpac;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * RanPAC's statistics of one stream (McDonnell et al. 2023, section 4.2) over projected features h = ReLU(x W):
 * the Gram matrix G = Σ h hᵀ and per class the prototype sum c_y = Σ h (the columns of Hᵀ Y), kept apart for
 * the fitting samples and for one labelled sample in five, held out to choose the ridge (the paper's 80/20 split,
 * interleaved so that it holds at every point of a stream; picked by a hash of the sample's sequence number, so a
 * sample is held out or not wherever it is learned). Both are sums in double precision of exact products
 * of floats, added sample by sample in stream order — {@link #learn} blocks the loops for speed without changing
 * a bit — so the state depends only on the sample order, and partial states {@link #merge} exactly up to rounding.
 * The state also holds the read-out the stream is predicted with between two solves, and the ridge it was
 * solved with.
 */
public final class RanpacState implements Serializable {
  private static final long serialVersionUID = 1L;
  /** One labelled sample in this many is held out. */
  static final int HELD_OUT_EVERY = 5;

  private int dim;
  private int projectionDim;
  private int[] labels = new int[0]; // in order of first appearance
  private long[] counts = new long[0]; // labelled samples per class, fitting and held out
  private double[] fitPrototypes = new double[0]; // [classes, M]: Σ h per class over the fitting samples
  private double[] heldOutPrototypes = new double[0]; // the same over the held-out samples
  private double[] fitGram; // lower triangle of Σ h hᵀ over the fitting samples, row i holds columns 0..i
  private double[] heldOutGram;
  private long heldOutSamples;
  private long samplesSeen; // labelled and unlabelled
  private double ridge = Double.NaN; // of the last solve; NaN before it
  private int readoutClasses; // the first readoutClasses labels, as known at the last solve
  private float[] readout = new float[0]; // [readoutClasses, M]

  private RanpacState() {} // for Kryo

  public RanpacState(int dim, int projectionDim) {
    if (dim < 1 || projectionDim < 1) {
      throw new IllegalArgumentException("Feature and projection dimensions must be >= 1, got " + dim + " and "
          + projectionDim);
    }
    this.dim = dim;
    this.projectionDim = projectionDim;
    this.fitGram = new double[triangle(projectionDim)];
    this.heldOutGram = new double[triangle(projectionDim)];
  }

  static int triangle(int n) {
    return Math.toIntExact((long) n * (n + 1) / 2);
  }

  /** A state from its parts (copied). */
  public static RanpacState of(int dim, int projectionDim, int[] labels, long[] counts, double[] fitPrototypes,
      double[] heldOutPrototypes, double[] fitGram, double[] heldOutGram, long heldOutSamples, long samplesSeen,
      double ridge, int readoutClasses, float[] readout) {
    RanpacState s = new RanpacState(dim, projectionDim);
    long prototypeValues = (long) labels.length * projectionDim;
    if (counts.length != labels.length || fitPrototypes.length != prototypeValues
        || heldOutPrototypes.length != prototypeValues || fitGram.length != s.fitGram.length
        || heldOutGram.length != s.heldOutGram.length || readoutClasses > labels.length
        || readout.length != (long) readoutClasses * projectionDim) {
      throw new IllegalArgumentException("RanPAC state of " + labels.length + " classes and projection dimension "
          + projectionDim + " has parts of the wrong size");
    }
    s.labels = labels.clone();
    s.counts = counts.clone();
    s.fitPrototypes = fitPrototypes.clone();
    s.heldOutPrototypes = heldOutPrototypes.clone();
    s.fitGram = fitGram.clone();
    s.heldOutGram = heldOutGram.clone();
    s.heldOutSamples = heldOutSamples;
    s.samplesSeen = samplesSeen;
    s.ridge = ridge;
    s.readoutClasses = readoutClasses;
    s.readout = readout.clone();
    return s;
  }

  /**
   * Learns rows {@code from..to} of {@code projected} ([rows, M] row-major) whose {@code labels} are not negative
   * (negative labels are counted as unlabelled); {@code sequences} are the samples' positions in their stream.
   */
  public void learn(float[] projected, int[] labels, long[] sequences, int from, int to) {
    int m = projectionDim;
    int[] fitRows = new int[to - from];
    int[] heldOutRows = new int[to - from];
    int fit = 0;
    int heldOut = 0;
    for (int r = from; r < to; r++) {
      samplesSeen++;
      if (labels[r] < 0) {
        continue;
      }
      boolean held = isHeldOut(sequences[r]);
      int c = classIndexOrAdd(labels[r]);
      double[] prototypes = held ? heldOutPrototypes : fitPrototypes;
      for (int k = 0; k < m; k++) {
        prototypes[c * m + k] += projected[r * m + k];
      }
      counts[c]++;
      if (held) {
        heldOutSamples++;
        heldOutRows[heldOut++] = r;
      } else {
        fitRows[fit++] = r;
      }
    }
    addGram(fitGram, projected, fitRows, fit);
    addGram(heldOutGram, projected, heldOutRows, heldOut);
  }

  /** Whether the sample at {@code sequence} is held out: a murmur3 mix of it, so no pattern of labels skews it. */
  static boolean isHeldOut(long sequence) {
    long z = sequence;
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    z ^= z >>> 33;
    return Long.remainderUnsigned(z, HELD_OUT_EVERY) == 0;
  }

  /**
   * G[i][j] += h[i] h[j] for every row, in row order per entry (so the sums are those of one sample at a time);
   * rows whose h[i] is zero add nothing to row i and are skipped (ReLU zeroes about half of them).
   */
  private void addGram(double[] gram, float[] h, int[] rows, int count) {
    int m = projectionDim;
    int[] active = new int[count];
    for (int i = 0; i < m; i++) {
      int n = 0;
      for (int q = 0; q < count; q++) {
        if (h[rows[q] * m + i] != 0) {
          active[n++] = rows[q] * m;
        }
      }
      int t = i * (i + 1) / 2;
      int q = 0;
      for (; q + 3 < n; q += 4) { // left to right: ((((g + p0) + p1) + p2) + p3), one sample at a time
        int b0 = active[q];
        int b1 = active[q + 1];
        int b2 = active[q + 2];
        int b3 = active[q + 3];
        double a0 = h[b0 + i];
        double a1 = h[b1 + i];
        double a2 = h[b2 + i];
        double a3 = h[b3 + i];
        for (int j = 0; j <= i; j++) {
          gram[t + j] = gram[t + j] + a0 * h[b0 + j] + a1 * h[b1 + j] + a2 * h[b2 + j] + a3 * h[b3 + j];
        }
      }
      for (; q < n; q++) {
        int b = active[q];
        double a = h[b + i];
        for (int j = 0; j <= i; j++) {
          gram[t + j] += a * h[b + j];
        }
      }
    }
  }

  private int classIndexOrAdd(int label) {
    for (int c = 0; c < labels.length; c++) {
      if (labels[c] == label) {
        return c;
      }
    }
    int c = labels.length;
    labels = Arrays.copyOf(labels, c + 1);
    labels[c] = label;
    counts = Arrays.copyOf(counts, c + 1);
    fitPrototypes = Arrays.copyOf(fitPrototypes, (c + 1) * projectionDim);
    heldOutPrototypes = Arrays.copyOf(heldOutPrototypes, (c + 1) * projectionDim);
    return c;
  }

  public void countUnlabelled(long samples) {
    samplesSeen += samples;
  }

  /**
   * Adds another partial state of the same stream; its new classes follow ours in its order. Sums add; the
   * read-out and ridge stay this state's until the next solve.
   */
  public void merge(RanpacState other) {
    if (other.dim != dim || other.projectionDim != projectionDim) {
      throw new IllegalArgumentException("Cannot merge RanPAC states of dimensions " + dim + " -> " + projectionDim
          + " and " + other.dim + " -> " + other.projectionDim);
    }
    int m = projectionDim;
    for (int o = 0; o < other.labels.length; o++) {
      int c = classIndexOrAdd(other.labels[o]);
      counts[c] += other.counts[o];
      for (int k = 0; k < m; k++) {
        fitPrototypes[c * m + k] += other.fitPrototypes[o * m + k];
        heldOutPrototypes[c * m + k] += other.heldOutPrototypes[o * m + k];
      }
    }
    for (int t = 0; t < fitGram.length; t++) {
      fitGram[t] += other.fitGram[t];
      heldOutGram[t] += other.heldOutGram[t];
    }
    heldOutSamples += other.heldOutSamples;
    samplesSeen += other.samplesSeen;
  }

  /** Records the read-out solved with {@code ridge}: [classes, M], for the first {@code classes} labels. */
  void setReadout(double ridge, int classes, float[] readout) {
    if (readout.length != (long) classes * projectionDim || classes > labels.length) {
      throw new IllegalArgumentException("A read-out of " + classes + " classes needs " + classes * projectionDim
          + " weights, got " + readout.length);
    }
    this.ridge = ridge;
    this.readoutClasses = classes;
    this.readout = readout;
  }

  public int dim() {
    return dim;
  }

  public int projectionDim() {
    return projectionDim;
  }

  public int classCount() {
    return labels.length;
  }

  public int[] labels() {
    return labels.clone();
  }

  public long[] counts() {
    return counts.clone();
  }

  /** Prototype sums of the fitting samples, [classes, M] (a copy). */
  public double[] fitPrototypes() {
    return fitPrototypes.clone();
  }

  public double[] heldOutPrototypes() {
    return heldOutPrototypes.clone();
  }

  /** Lower triangle of the fitting samples' Gram matrix, row by row (not a copy: read only). */
  double[] fitGramView() {
    return fitGram;
  }

  double[] heldOutGramView() {
    return heldOutGram;
  }

  public double[] fitGram() {
    return fitGram.clone();
  }

  public double[] heldOutGram() {
    return heldOutGram.clone();
  }

  public long heldOutSamples() {
    return heldOutSamples;
  }

  public long fitSamples() {
    return labelledSeen() - heldOutSamples;
  }

  public long labelledSeen() {
    long n = 0;
    for (long count : counts) {
      n += count;
    }
    return n;
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  /** The ridge of the last solve; NaN before the first. */
  public double ridge() {
    return ridge;
  }

  public int readoutClasses() {
    return readoutClasses;
  }

  float[] readoutView() {
    return readout;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RanpacState s && dim == s.dim && projectionDim == s.projectionDim
        && Arrays.equals(labels, s.labels) && Arrays.equals(counts, s.counts)
        && Arrays.equals(fitPrototypes, s.fitPrototypes) && Arrays.equals(heldOutPrototypes, s.heldOutPrototypes)
        && Arrays.equals(fitGram, s.fitGram) && Arrays.equals(heldOutGram, s.heldOutGram)
        && heldOutSamples == s.heldOutSamples && samplesSeen == s.samplesSeen
        && Double.compare(ridge, s.ridge) == 0 && readoutClasses == s.readoutClasses
        && Arrays.equals(readout, s.readout);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dim, projectionDim, Arrays.hashCode(labels), Arrays.hashCode(counts), samplesSeen);
  }

  @Override
  public String toString() {
    return "RanpacState[dim=" + dim + ", M=" + projectionDim + ", classes=" + labels.length + ", labelled="
        + labelledSeen() + ", ridge=" + ridge + "]";
  }
}
