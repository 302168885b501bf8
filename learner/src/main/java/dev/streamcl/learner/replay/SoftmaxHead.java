package dev.streamcl.learner.replay;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A linear softmax classifier over frozen-encoder features: logits = W·x + b with W [C,d] and b [C]
 * (multinomial logistic regression). Classes are kept in order of first appearance; a new class
 * gets a zero row, so it starts with logit b_c = 0 and its row grows only through SGD. Plain Java
 * state (no Flink types) so a Flink checkpoint can hold it.
 */
public final class SoftmaxHead implements Serializable {
  private static final long serialVersionUID = 1L;

  private int dim;
  private int[] labels = new int[0];
  private float[] weights = new float[0]; // [C, dim] row-major
  private float[] bias = new float[0]; // [C]

  private SoftmaxHead() {} // for Kryo

  public SoftmaxHead(int dim) {
    if (dim < 1) {
      throw new IllegalArgumentException("Feature dimension must be >= 1, got " + dim);
    }
    this.dim = dim;
  }

  /** A head from its parts (copied); weights are [labels.length, dim] row-major. */
  public static SoftmaxHead of(int dim, int[] labels, float[] weights, float[] bias) {
    SoftmaxHead head = new SoftmaxHead(dim);
    head.labels = labels.clone();
    head.set(weights, bias);
    return head;
  }

  public int dim() {
    return dim;
  }

  public int classCount() {
    return labels.length;
  }

  /** Labels in order of first appearance (a copy). */
  public int[] labels() {
    return labels.clone();
  }

  public int label(int classIndex) {
    return labels[classIndex];
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

  /** Row of a label, appending a zero-initialised row for a new class. */
  public int classIndexOrAdd(int label) {
    int c = classIndex(label);
    if (c >= 0) {
      return c;
    }
    labels = Arrays.copyOf(labels, labels.length + 1);
    labels[labels.length - 1] = label;
    weights = Arrays.copyOf(weights, labels.length * dim);
    bias = Arrays.copyOf(bias, labels.length);
    return labels.length - 1;
  }

  /** W [C, dim] row-major; a view, not a copy. */
  public float[] weightsView() {
    return weights;
  }

  /** b [C]; a view, not a copy. */
  public float[] biasView() {
    return bias;
  }

  /** Replaces W and b (copied) keeping the classes. */
  public void set(float[] newWeights, float[] newBias) {
    if (newWeights.length != labels.length * dim || newBias.length != labels.length) {
      throw new IllegalArgumentException("A head of " + labels.length + " classes needs " + labels.length * dim
          + " weights and " + labels.length + " biases, got " + newWeights.length + " and " + newBias.length);
    }
    weights = newWeights.clone();
    bias = newBias.clone();
  }

  /**
   * Makes this head the average of itself and {@code other}, weighted {@code weight} : {@code otherWeight} (a model
   * soup, Wortsman et al. 2022); a class only one head knows has a zero row in the other, as a new class starts.
   */
  public void averageWith(long weight, SoftmaxHead other, long otherWeight) {
    if (other.dim != dim) {
      throw new IllegalArgumentException("Cannot average heads of dimension " + dim + " and " + other.dim);
    }
    for (int label : other.labels) {
      classIndexOrAdd(label);
    }
    double total = weight + otherWeight;
    if (total == 0) {
      return;
    }
    for (int c = 0; c < labels.length; c++) {
      int o = other.classIndex(labels[c]);
      for (int k = 0; k < dim; k++) {
        double theirs = o < 0 ? 0 : other.weights[o * dim + k];
        weights[c * dim + k] = (float) ((weights[c * dim + k] * (double) weight + theirs * otherWeight) / total);
      }
      double theirBias = o < 0 ? 0 : other.bias[o];
      bias[c] = (float) ((bias[c] * (double) weight + theirBias * otherWeight) / total);
    }
  }

  public SoftmaxHead copy() {
    return of(dim, labels, weights, bias);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SoftmaxHead other && dim == other.dim && Arrays.equals(labels, other.labels)
        && Arrays.equals(weights, other.weights) && Arrays.equals(bias, other.bias);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * dim + Arrays.hashCode(labels)) + Arrays.hashCode(weights)) + Arrays.hashCode(bias);
  }

  @Override
  public String toString() {
    return "SoftmaxHead[dim=" + dim + ", labels=" + Arrays.toString(labels) + "]";
  }
}
