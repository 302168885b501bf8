package dev.streamcl.evaluation;

/**
 * Standard continual-learning metrics over an {@link AccuracyMatrix} R with T tasks.
 * Only entries with j &lt;= i are read; a missing required entry throws {@link IllegalStateException}.
 */
public final class ContinualMetrics {
  private ContinualMetrics() {}

  /** All four metrics at once. */
  public record Summary(double finalAverageAccuracy, double averageIncrementalAccuracy,
      double averageForgetting, double backwardTransfer) {}

  public static Summary summarize(AccuracyMatrix r) {
    return new Summary(finalAverageAccuracy(r), averageIncrementalAccuracy(r),
        averageForgetting(r), backwardTransfer(r));
  }

  /** A_T = (1/T) Σ_j R[T-1][j]. */
  public static double finalAverageAccuracy(AccuracyMatrix r) {
    // Source: Lopez-Paz & Ranzato, "Gradient Episodic Memory for Continual Learning", NeurIPS 2017 (ACC);
    // Chaudhry et al., ECCV 2018.
    return averageAccuracyAfter(r, r.tasks() - 1);
  }

  /** (1/T) Σ_i A_i with A_i = (1/(i+1)) Σ_{j≤i} R[i][j]. */
  public static double averageIncrementalAccuracy(AccuracyMatrix r) {
    // Source: Rebuffi et al., "iCaRL: Incremental Classifier and Representation Learning", CVPR 2017.
    int t = r.tasks();
    double sum = 0.0;
    for (int i = 0; i < t; i++) {
      sum += averageAccuracyAfter(r, i);
    }
    return sum / t;
  }

  /** F = (1/(T-1)) Σ_{j<T-1} max_{l∈[j,T-2]} (R[l][j] − R[T-1][j]); 0 when T = 1. */
  public static double averageForgetting(AccuracyMatrix r) {
    // Source: Chaudhry et al., "Riemannian Walk for Incremental Learning" (RWalk), ECCV 2018.
    int t = r.tasks();
    if (t == 1) {
      return 0.0;
    }
    double sum = 0.0;
    for (int j = 0; j < t - 1; j++) {
      double best = Double.NEGATIVE_INFINITY;
      for (int l = j; l <= t - 2; l++) {
        best = Math.max(best, r.require(l, j));
      }
      sum += best - r.require(t - 1, j);
    }
    return sum / (t - 1);
  }

  /** BWT = (1/(T-1)) Σ_{j<T-1} (R[T-1][j] − R[j][j]); 0 when T = 1. */
  public static double backwardTransfer(AccuracyMatrix r) {
    // Source: Lopez-Paz & Ranzato, "Gradient Episodic Memory for Continual Learning" (GEM), NeurIPS 2017.
    int t = r.tasks();
    if (t == 1) {
      return 0.0;
    }
    double sum = 0.0;
    for (int j = 0; j < t - 1; j++) {
      sum += r.require(t - 1, j) - r.require(j, j);
    }
    return sum / (t - 1);
  }

  /** A_i = (1/(i+1)) Σ_{j≤i} R[i][j]: mean accuracy over tasks seen so far after training task i. */
  public static double averageAccuracyAfter(AccuracyMatrix r, int i) {
    double sum = 0.0;
    for (int j = 0; j <= i; j++) {
      sum += r.require(i, j);
    }
    return sum / (i + 1);
  }
}
