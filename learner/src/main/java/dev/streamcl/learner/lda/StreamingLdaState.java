package dev.streamcl.learner.lda;

import dev.streamcl.learner.nmc.ClassMeanState;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Deep streaming LDA's statistics (Hayes and Kanan, "Lifelong Machine Learning with Deep Streaming Linear
 * Discriminant Analysis", CVPR-W 2020) as sums: per class the sum of features and the count (a {@link
 * ClassMeanState} over the raw features), and over all labelled samples the sum of outer products x xᵀ (lower
 * triangle). Class means and the shared within-class covariance follow from them ({@link #covariance()}). Sums are
 * doubles added one sample at a time, so the state depends only on the sample order, and partial states
 * {@link #merge} exactly (sums add).
 */
public final class StreamingLdaState implements Serializable {
  private static final long serialVersionUID = 1L;

  private ClassMeanState classes;
  private double[] outer; // lower triangle of Σ x xᵀ, row i holds columns 0..i

  private StreamingLdaState() {} // for Kryo

  public StreamingLdaState(int dim) {
    this(new ClassMeanState(dim), new double[triangle(dim)]);
  }

  private StreamingLdaState(ClassMeanState classes, double[] outer) {
    this.classes = classes;
    this.outer = outer;
  }

  /** A state from its parts (copied). */
  public static StreamingLdaState of(int dim, int[] labels, double[] sums, long[] counts, double[] outerProducts,
      long samplesSeen) {
    if (outerProducts.length != triangle(dim)) {
      throw new IllegalArgumentException("Streaming LDA state of dimension " + dim + " needs " + triangle(dim)
          + " outer-product terms, got " + outerProducts.length);
    }
    return new StreamingLdaState(ClassMeanState.of(dim, labels, sums, counts, samplesSeen), outerProducts.clone());
  }

  static int triangle(int dim) {
    return Math.toIntExact((long) dim * (dim + 1) / 2);
  }

  /** Learns one labelled sample {@code x[offset .. offset+dim)}. */
  public void add(float[] x, int offset, int label) {
    classes.add(x, offset, label);
    int t = 0;
    for (int i = 0; i < dim(); i++) {
      double xi = x[offset + i];
      for (int j = 0; j <= i; j++) {
        outer[t++] += xi * x[offset + j];
      }
    }
  }

  public void countUnlabelled(long samples) {
    classes.countUnlabelled(samples);
  }

  /** Adds another partial state; its new classes follow ours in its order. */
  public void merge(StreamingLdaState other) {
    classes.merge(other.classes);
    for (int t = 0; t < outer.length; t++) {
      outer[t] += other.outer[t];
    }
  }

  /** Class means [classes, dim]. */
  public double[] means() {
    int dim = dim();
    double[] means = classes.sums();
    for (int c = 0; c < classCount(); c++) {
      for (int k = 0; k < dim; k++) {
        means[c * dim + k] /= classes.count(c);
      }
    }
    return means;
  }

  /**
   * The shared within-class covariance [dim, dim]: (Σ x xᵀ − Σ_c n_c μ_c μ_cᵀ) / N over the N labelled samples;
   * zero before any.
   */
  public double[] covariance() {
    int dim = dim();
    double[] cov = new double[dim * dim];
    long n = labelledSeen();
    if (n == 0) {
      return cov;
    }
    double[] means = means();
    long[] counts = classes.counts();
    int t = 0;
    for (int i = 0; i < dim; i++) {
      for (int j = 0; j <= i; j++) {
        double within = outer[t++];
        for (int c = 0; c < counts.length; c++) {
          within -= counts[c] * means[c * dim + i] * means[c * dim + j];
        }
        cov[i * dim + j] = within / n;
        cov[j * dim + i] = within / n;
      }
    }
    return cov;
  }

  public int dim() {
    return classes.dim();
  }

  public int classCount() {
    return classes.classCount();
  }

  public int[] labels() {
    return classes.labels();
  }

  public double[] sums() {
    return classes.sums();
  }

  public long[] counts() {
    return classes.counts();
  }

  /** The lower triangle of Σ x xᵀ, row by row (a copy). */
  public double[] outerProducts() {
    return outer.clone();
  }

  public long samplesSeen() {
    return classes.samplesSeen();
  }

  public long labelledSeen() {
    return classes.labelledSeen();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StreamingLdaState other && classes.equals(other.classes) && Arrays.equals(outer, other.outer);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classes, Arrays.hashCode(outer));
  }

  @Override
  public String toString() {
    return "StreamingLdaState[" + classes + "]";
  }
}
