package dev.streamcl.learner.lda;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Deep streaming LDA's statistics (Hayes and Kanan, "Lifelong Machine Learning with Deep Streaming Linear
 * Discriminant Analysis", CVPR-W 2020) as sums: per class the sum of features and the count, and over all
 * labelled samples the sum of outer products x xᵀ (lower triangle). Class means and the shared within-class
 * covariance follow from them ({@link #covariance()}). Sums are doubles added one sample at a time, so the state
 * depends only on the sample order, and partial states {@link #merge} exactly (sums add).
 */
public final class StreamingLdaState implements Serializable {
  private static final long serialVersionUID = 1L;

  private int dim;
  private int[] labels = new int[0]; // in order of first appearance
  private double[] sums = new double[0]; // [classes, dim]
  private long[] counts = new long[0];
  private double[] outer; // lower triangle of Σ x xᵀ, row i holds columns 0..i
  private long samplesSeen;

  private StreamingLdaState() {} // for Kryo

  public StreamingLdaState(int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("Feature dimension must be >= 1, got " + dim);
    }
    this.dim = dim;
    this.outer = new double[triangle(dim)];
  }

  /** A state from its parts (copied). */
  public static StreamingLdaState of(int dim, int[] labels, double[] sums, long[] counts, double[] outerProducts,
      long samplesSeen) {
    if (sums.length != (long) labels.length * dim || counts.length != labels.length
        || outerProducts.length != triangle(dim)) {
      throw new IllegalArgumentException("Streaming LDA state of " + labels.length + " classes and dimension " + dim
          + " needs " + labels.length * (long) dim + " sums, " + labels.length + " counts and " + triangle(dim)
          + " outer-product terms, got " + sums.length + ", " + counts.length + " and " + outerProducts.length);
    }
    StreamingLdaState state = new StreamingLdaState(dim);
    state.labels = labels.clone();
    state.sums = sums.clone();
    state.counts = counts.clone();
    state.outer = outerProducts.clone();
    state.samplesSeen = samplesSeen;
    return state;
  }

  static int triangle(int dim) {
    return Math.toIntExact((long) dim * (dim + 1) / 2);
  }

  /** Learns one labelled sample {@code x[offset .. offset+dim)}. */
  public void add(float[] x, int offset, int label) {
    int row = classIndexOrAdd(label) * dim;
    for (int k = 0; k < dim; k++) {
      sums[row + k] += x[offset + k];
    }
    counts[row / dim]++;
    int t = 0;
    for (int i = 0; i < dim; i++) {
      double xi = x[offset + i];
      for (int j = 0; j <= i; j++) {
        outer[t++] += xi * x[offset + j];
      }
    }
    samplesSeen++;
  }

  public void countUnlabelled(long samples) {
    samplesSeen += samples;
  }

  /** Adds another partial state; its new classes follow ours in its order. */
  public void merge(StreamingLdaState other) {
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
    for (int t = 0; t < outer.length; t++) {
      outer[t] += other.outer[t];
    }
    samplesSeen += other.samplesSeen;
  }

  /** Class means [classes, dim]. */
  public double[] means() {
    double[] means = new double[sums.length];
    for (int c = 0; c < labels.length; c++) {
      for (int k = 0; k < dim; k++) {
        means[c * dim + k] = sums[c * dim + k] / counts[c];
      }
    }
    return means;
  }

  /**
   * The shared within-class covariance [dim, dim]: (Σ x xᵀ − Σ_c n_c μ_c μ_cᵀ) / N over the N labelled samples;
   * zero before any.
   */
  public double[] covariance() {
    double[] cov = new double[dim * dim];
    long n = labelledSeen();
    if (n == 0) {
      return cov;
    }
    double[] means = means();
    int t = 0;
    for (int i = 0; i < dim; i++) {
      for (int j = 0; j <= i; j++) {
        double within = outer[t++];
        for (int c = 0; c < labels.length; c++) {
          within -= counts[c] * means[c * dim + i] * means[c * dim + j];
        }
        cov[i * dim + j] = within / n;
        cov[j * dim + i] = within / n;
      }
    }
    return cov;
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

  public double[] sums() {
    return sums.clone();
  }

  public long[] counts() {
    return counts.clone();
  }

  /** The lower triangle of Σ x xᵀ, row by row (a copy). */
  public double[] outerProducts() {
    return outer.clone();
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  public long labelledSeen() {
    return Arrays.stream(counts).sum();
  }

  private int classIndexOrAdd(int label) {
    for (int c = 0; c < labels.length; c++) {
      if (labels[c] == label) {
        return c;
      }
    }
    labels = Arrays.copyOf(labels, labels.length + 1);
    labels[labels.length - 1] = label;
    sums = Arrays.copyOf(sums, sums.length + dim);
    counts = Arrays.copyOf(counts, counts.length + 1);
    return labels.length - 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StreamingLdaState other && dim == other.dim && samplesSeen == other.samplesSeen
        && Arrays.equals(labels, other.labels) && Arrays.equals(sums, other.sums)
        && Arrays.equals(counts, other.counts) && Arrays.equals(outer, other.outer);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dim, samplesSeen, Arrays.hashCode(labels), Arrays.hashCode(counts));
  }

  @Override
  public String toString() {
    return "StreamingLdaState[dim=" + dim + ", labels=" + Arrays.toString(labels) + ", counts="
        + Arrays.toString(counts) + ", samplesSeen=" + samplesSeen + "]";
  }
}
