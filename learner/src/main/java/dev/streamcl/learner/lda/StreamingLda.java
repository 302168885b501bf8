package dev.streamcl.learner.lda;

import dev.streamcl.learner.linear.Cholesky;
import dev.streamcl.learner.linear.LinearHead;

/**
 * Streaming LDA's classifier from its statistics (Hayes and Kanan 2020, section 3): with the shared covariance
 * Σ shrunk towards the identity, Λ = ((1 − ε) Σ + ε I)⁻¹, class c scores x·Λμ_c − ½ μ_cᵀΛμ_c. The precision is
 * applied through a Cholesky factorisation (Σ is symmetric and the shrinkage makes it positive definite), in
 * double precision.
 */
public final class StreamingLda {
  private StreamingLda() {}

  /** The head of {@code state}'s classes; {@code shrinkage} ε in (0, 1). */
  public static LinearHead head(StreamingLdaState state, double shrinkage) {
    int d = state.dim();
    int classes = state.classCount();
    if (classes == 0) { // nothing to score yet: skip the d³ factorisation a stream's first minibatch would pay
      return new LinearHead(new int[0], d, new float[0], new float[0]);
    }
    double[] a = state.covariance();
    for (int i = 0; i < d * d; i++) {
      a[i] *= 1 - shrinkage;
    }
    for (int i = 0; i < d; i++) {
      a[i * d + i] += shrinkage;
    }
    double[] means = state.means();
    double[] meanColumns = new double[d * classes]; // [d, classes]: one right-hand side per class
    for (int c = 0; c < classes; c++) {
      for (int k = 0; k < d; k++) {
        meanColumns[k * classes + c] = means[c * d + k];
      }
    }
    double[] w = factor(a, d).solve(meanColumns, classes); // Λμ_c, column c
    float[] weights = new float[classes * d];
    float[] bias = new float[classes];
    for (int c = 0; c < classes; c++) {
      double muLambdaMu = 0;
      for (int k = 0; k < d; k++) {
        weights[c * d + k] = (float) w[k * classes + c];
        muLambdaMu += means[c * d + k] * w[k * classes + c];
      }
      bias[c] = (float) (-0.5 * muLambdaMu);
    }
    return new LinearHead(state.labels(), d, weights, bias);
  }

  private static Cholesky factor(double[] a, int d) {
    try {
      return Cholesky.factor(a, d);
    } catch (ArithmeticException e) {
      throw new ArithmeticException("The shrunk covariance is not positive definite (" + e.getMessage()
          + "); raise the shrinkage");
    }
  }
}
