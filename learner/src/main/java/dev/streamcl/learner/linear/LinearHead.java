package dev.streamcl.learner.linear;

/** A linear classifier: logits = x·Wᵀ + b, W [classes, dim] row-major, one row per label. */
public record LinearHead(int[] labels, int dim, float[] weights, float[] bias) {
  public LinearHead {
    if (weights.length != labels.length * dim || bias.length != labels.length) {
      throw new IllegalArgumentException("A head of " + labels.length + " classes and dimension " + dim + " needs "
          + labels.length * dim + " weights and " + labels.length + " biases, got " + weights.length + " and "
          + bias.length);
    }
  }

  public int classCount() {
    return labels.length;
  }
}
