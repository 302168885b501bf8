package dev.streamcl.learner.nmc;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Nearest-class-mean state (Janson et al. 2022, "A Simple Baseline that Questions the Use of
 * Pretrained-Models in Continual Learning"): per class the running sum of L2-normalised features
 * and the count; the class mean is sum / count.
 *
 * <p>Sums are doubles added one sample at a time, so the state depends only on the sample order,
 * never on how samples were batched; sums are additive, so partial states {@link #merge} exactly
 * up to rounding. A plain Java class (no Flink types) so Flink can serialise it with Kryo. Class
 * lookups scan the label array: class counts are small next to the feature dimension.
 */
public final class ClassMeanState implements Serializable {
  private static final long serialVersionUID = 1L;

  private int dim;
  private int[] labels = new int[0]; // in order of first appearance
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

  /** Builds a state from its parts (copied); sums are [labels.length, dim] row-major. */
  public static ClassMeanState of(int dim, int[] labels, double[] sums, long[] counts, long samplesSeen) {
    if (sums.length != (long) labels.length * dim || counts.length != labels.length) {
      throw new IllegalArgumentException("State of " + labels.length + " classes needs " + labels.length * (long) dim
          + " sums and " + labels.length + " counts, got " + sums.length + " and " + counts.length);
    }
    ClassMeanState state = new ClassMeanState(dim);
    state.labels = labels.clone();
    state.sums = sums.clone();
    state.counts = counts.clone();
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

  /** Counts samples that were only predicted (unlabelled). */
  public void countUnlabelled(long samples) {
    samplesSeen += samples;
  }

  /** Adds another partial state; its new classes follow ours in its order. */
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
    for (int c = 0; c < labels.length; c++) {
      if (labels[c] == label) {
        return c;
      }
    }
    return -1;
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
    int index = classIndex(label);
    if (index >= 0) {
      return index;
    }
    labels = Arrays.copyOf(labels, labels.length + 1);
    labels[labels.length - 1] = label;
    sums = Arrays.copyOf(sums, sums.length + dim);
    counts = Arrays.copyOf(counts, counts.length + 1);
    return labels.length - 1;
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
