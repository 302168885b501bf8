package dev.streamcl.learner.nmc;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Nearest-class-mean state (Janson et al. 2022, "A Simple Baseline that Questions the Use of
 * Pretrained-Models in Continual Learning"): per class the running sum of L2-normalised features
 * and the count; the class mean is sum / count.
 *
 * <p>Sums are doubles added one sample at a time. NMC adds its features {@linkplain #addRounded rounded to a
 * grid}, which makes every sum exact: the state then depends only on which samples were learned, neither on their
 * order nor on their batching, and partial states {@link #merge} to the bits of learning the whole stream. Classes
 * are kept sorted by label, so the class order does not depend on arrival order either.
 */
public final class ClassMeanState implements Serializable {
  private static final long serialVersionUID = 1L;

  private int dim;
  /** {@link #addRounded} rounds to multiples of 1 / GRID. */
  private static final double GRID = 0x1p30;

  private int[] labels = new int[0]; // ascending
  private double[] sums = new double[0]; // [classes, dim] row-major
  private long[] counts = new long[0];
  private long samplesSeen; // labelled and unlabelled

  private ClassMeanState() {} // for Kryo

  public ClassMeanState(int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("Feature dimension must be >= 1, got " + dim);
    }
    this.dim = dim;
  }

  /** Builds a state from its parts (copied, classes in any order); sums are [labels.length, dim] row-major. */
  public static ClassMeanState of(int dim, int[] labels, double[] sums, long[] counts, long samplesSeen) {
    if (sums.length != (long) labels.length * dim || counts.length != labels.length) {
      throw new IllegalArgumentException("State of " + labels.length + " classes needs " + labels.length * (long) dim
          + " sums and " + labels.length + " counts, got " + sums.length + " and " + counts.length);
    }
    ClassMeanState state = new ClassMeanState(dim);
    for (int c = 0; c < labels.length; c++) {
      int row = state.classIndexOrAdd(labels[c]) * dim;
      System.arraycopy(sums, c * dim, state.sums, row, dim);
      state.counts[row / dim] = counts[c];
    }
    state.samplesSeen = samplesSeen;
    return state;
  }

  /**
   * Learns one labelled sample: adds {@code features[offset .. offset+dim)} to its class (NMC adds normalised
   * features; streaming LDA keeps its class sums of raw features in this state too).
   */
  public void add(float[] features, int offset, int label) {
    int row = classIndexOrAdd(label) * dim;
    for (int k = 0; k < dim; k++) {
      sums[row + k] += features[offset + k];
    }
    counts[row / dim]++;
    samplesSeen++;
  }

  /**
   * Learns one labelled sample of features in [-1, 1] (NMC's L2-normalised ones), each rounded to a multiple of
   * 2^-30 first — pre-rounding, as in reproducible summation (Demmel and Nguyen 2013): every partial sum is then an
   * exact double while a class has fewer than 2^23 samples, so no order of addition changes a bit.
   */
  public void addRounded(float[] features, int offset, int label) {
    int row = classIndexOrAdd(label) * dim;
    for (int k = 0; k < dim; k++) {
      sums[row + k] += Math.rint(features[offset + k] * GRID) / GRID;
    }
    counts[row / dim]++;
    samplesSeen++;
  }

  /** Counts samples that were only predicted (unlabelled). */
  public void countUnlabelled(long samples) {
    samplesSeen += samples;
  }

  /** Adds another partial state. */
  public void merge(ClassMeanState other) {
    if (other.dim != dim) {
      throw new IllegalArgumentException("Cannot merge states of dimension " + dim + " and " + other.dim);
    }
    for (int c = 0; c < other.labels.length; c++) {
      int row = classIndexOrAdd(other.labels[c]) * dim;
      for (int k = 0; k < dim; k++) {
        sums[row + k] += other.sums[c * dim + k];
      }
      counts[row / dim] += other.counts[c];
    }
    samplesSeen += other.samplesSeen;
  }

  /** Row of a label, or -1 if the class is unknown. */
  public int classIndex(int label) {
    int c = Arrays.binarySearch(labels, label);
    return c < 0 ? -1 : c;
  }

  public int dim() {
    return dim;
  }

  public int classCount() {
    return labels.length;
  }

  public int[] labels() {
    return labels.clone();
  }

  /** Sums, [classCount, dim] row-major (a copy). */
  public double[] sums() {
    return sums.clone();
  }

  public double sum(int classIndex, int k) {
    return sums[classIndex * dim + k];
  }

  public long[] counts() {
    return counts.clone();
  }

  public long count(int classIndex) {
    return counts[classIndex];
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  /** Samples learnt: the sum of the class counts. */
  public long labelledSeen() {
    return Arrays.stream(counts).sum();
  }

  public ClassMeanState copy() {
    return of(dim, labels, sums, counts, samplesSeen);
  }

  private int classIndexOrAdd(int label) {
    int found = Arrays.binarySearch(labels, label);
    if (found >= 0) {
      return found;
    }
    int row = -found - 1;
    labels = insert(labels, row, label);
    long[] longerCounts = new long[counts.length + 1];
    System.arraycopy(counts, 0, longerCounts, 0, row);
    System.arraycopy(counts, row, longerCounts, row + 1, counts.length - row);
    counts = longerCounts;
    double[] longerSums = new double[sums.length + dim];
    System.arraycopy(sums, 0, longerSums, 0, row * dim);
    System.arraycopy(sums, row * dim, longerSums, (row + 1) * dim, sums.length - row * dim);
    sums = longerSums;
    return row;
  }

  private static int[] insert(int[] values, int at, int value) {
    int[] longer = new int[values.length + 1];
    System.arraycopy(values, 0, longer, 0, at);
    longer[at] = value;
    System.arraycopy(values, at, longer, at + 1, values.length - at);
    return longer;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ClassMeanState)) {
      return false;
    }
    ClassMeanState other = (ClassMeanState) o;
    return dim == other.dim && samplesSeen == other.samplesSeen && Arrays.equals(labels, other.labels)
        && Arrays.equals(sums, other.sums) && Arrays.equals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dim, samplesSeen, Arrays.hashCode(labels), Arrays.hashCode(sums), Arrays.hashCode(counts));
  }

  @Override
  public String toString() {
    return "ClassMeanState[dim=" + dim + ", labels=" + Arrays.toString(labels) + ", counts="
        + Arrays.toString(counts) + ", samplesSeen=" + samplesSeen + "]";
  }
}
