package dev.streamcl.learner.lda;

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
    double[] lower = cholesky(a, d);
    double[] means = state.means();
    float[] weights = new float[classes * d];
    float[] bias = new float[classes];
    double[] column = new double[d];
    for (int c = 0; c < classes; c++) {
      System.arraycopy(means, c * d, column, 0, d);
      double[] w = solve(lower, d, column);
      double muLambdaMu = 0;
      for (int k = 0; k < d; k++) {
        weights[c * d + k] = (float) w[k];
        muLambdaMu += means[c * d + k] * w[k];
      }
      bias[c] = (float) (-0.5 * muLambdaMu);
    }
    return new LinearHead(state.labels(), d, weights, bias);
  }

  /** L with L Lᵀ = a (a symmetric positive definite, [d, d] row-major); L row-major, upper part zero. */
  static double[] cholesky(double[] a, int d) {
    double[] l = new double[d * d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i * d + j];
        for (int k = 0; k < j; k++) {
          sum -= l[i * d + k] * l[j * d + k];
        }
        if (i == j) {
          if (sum <= 0) {
            throw new ArithmeticException("The shrunk covariance is not positive definite (pivot " + sum + " at "
                + i + "); raise the shrinkage");
          }
          l[i * d + i] = Math.sqrt(sum);
        } else {
          l[i * d + j] = sum / l[j * d + j];
        }
      }
    }
    return l;
  }

  /** x with L Lᵀ x = b. */
  static double[] solve(double[] l, int d, double[] b) {
    double[] y = new double[d];
    for (int i = 0; i < d; i++) {
      double sum = b[i];
      for (int k = 0; k < i; k++) {
        sum -= l[i * d + k] * y[k];
      }
      y[i] = sum / l[i * d + i];
    }
    double[] x = new double[d];
    for (int i = d - 1; i >= 0; i--) {
      double sum = y[i];
      for (int k = i + 1; k < d; k++) {
        sum -= l[k * d + i] * x[k];
      }
      x[i] = sum / l[i * d + i];
    }
    return x;
  }
}
