package dev.streamcl.learner.ranpac;

import dev.streamcl.learner.linear.Cholesky;
import dev.streamcl.learner.linear.LinearHead;
import java.util.Arrays;

/**
 * RanPAC's read-out (McDonnell et al. 2023, eq. 5): W = (G + λI)⁻¹ C with C = Hᵀ Y, one-hot targets Y, solved by
 * Cholesky in double precision. The ridge λ is chosen as the paper's {@code optimise_ridge_parameter} chooses it:
 * over λ ∈ {10⁻⁸, …, 10¹³}, the one whose read-out fitted on 80 % of the samples has the least squared error on
 * the other 20 %. That error needs no samples, only the held-out statistics:
 * Σ_v ‖Wᵀh_v − y_v‖² = Σ_c (w_cᵀ G_v w_c − 2 w_c·c_v,c) + N_v.
 */
public final class RidgeReadout {
  /** RanPAC's candidate ridges, 10⁻⁸ … 10¹³. */
  static final double[] RIDGES = new double[22];
  /** The ridge while no sample was held out yet. */
  static final double FIRST_RIDGE = 1;

  static {
    for (int e = 0; e < RIDGES.length; e++) {
      RIDGES[e] = Math.pow(10, e - 8);
    }
  }

  private RidgeReadout() {}

  /**
   * The candidate of least held-out error: the whole grid when {@code from} is negative, else downhill from
   * candidate {@code from} (the error is unimodal in log λ on every stream we measured, so this finds the grid's
   * minimum in about three factorisations instead of 22). -1 while no sample was held out or fitted.
   */
  static int chooseRidge(RanpacState state, int from) {
    if (state.heldOutSamples() == 0 || state.fitSamples() == 0) {
      return -1;
    }
    double[] losses = new double[RIDGES.length];
    Arrays.fill(losses, Double.NaN);
    if (from < 0) {
      int best = 0;
      for (int r = 0; r < RIDGES.length; r++) {
        if (loss(state, r, losses) < loss(state, best, losses)) {
          best = r;
        }
      }
      return best;
    }
    int best = from;
    while (best > 0 && loss(state, best - 1, losses) < loss(state, best, losses)) {
      best--;
    }
    if (best == from) {
      while (best + 1 < RIDGES.length && loss(state, best + 1, losses) < loss(state, best, losses)) {
        best++;
      }
    }
    return best;
  }

  /** The index of {@code ridge} in {@link #RIDGES}, or -1. */
  static int indexOf(double ridge) {
    for (int r = 0; r < RIDGES.length; r++) {
      if (RIDGES[r] == ridge) {
        return r;
      }
    }
    return -1;
  }

  private static double loss(RanpacState state, int r, double[] losses) {
    if (Double.isNaN(losses[r])) {
      losses[r] = heldOutError(state, RIDGES[r]);
    }
    return losses[r];
  }

  /**
   * The mean squared error on the held-out samples of the read-out fitted with {@code ridge} on the others
   * (PyTorch's {@code mse_loss}: over samples and classes); infinite where G + λI is not positive definite in
   * double precision.
   */
  static double heldOutError(RanpacState state, double ridge) {
    int m = state.projectionDim();
    int classes = state.classCount();
    double[] w;
    try {
      w = Cholesky.factor(shifted(state.fitGramView(), null, m, ridge), m)
          .solve(columns(state.fitPrototypes(), null, classes, m), classes);
    } catch (ArithmeticException notPositiveDefinite) {
      return Double.POSITIVE_INFINITY;
    }
    double[] gw = symmetricTimes(state.heldOutGramView(), m, w, classes);
    double[] heldOut = state.heldOutPrototypes();
    double sum = state.heldOutSamples();
    for (int i = 0; i < m; i++) {
      for (int c = 0; c < classes; c++) {
        sum += w[i * classes + c] * (gw[i * classes + c] - 2 * heldOut[c * m + i]);
      }
    }
    return sum / ((double) state.heldOutSamples() * classes);
  }

  /** The read-out of every class on every sample, fitting and held out, with {@code ridge}. */
  static LinearHead readout(RanpacState state, double ridge) {
    int m = state.projectionDim();
    int classes = state.classCount();
    if (classes == 0) {
      return new LinearHead(new int[0], m, new float[0], new float[0]);
    }
    double[] w = Cholesky.factor(shifted(state.fitGramView(), state.heldOutGramView(), m, ridge), m)
        .solve(columns(state.fitPrototypes(), state.heldOutPrototypes(), classes, m), classes);
    float[] weights = new float[classes * m];
    for (int c = 0; c < classes; c++) {
      for (int i = 0; i < m; i++) {
        weights[c * m + i] = (float) w[i * classes + c];
      }
    }
    return new LinearHead(state.labels(), m, weights, new float[classes]);
  }

  /** (a + b + λI), lower triangle filled, from lower triangles a and b (b may be null). */
  private static double[] shifted(double[] a, double[] b, int m, double ridge) {
    double[] full = new double[m * m];
    int t = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j <= i; j++, t++) {
        full[i * m + j] = b == null ? a[t] : a[t] + b[t];
      }
      full[i * m + i] += ridge;
    }
    return full;
  }

  /** Prototype sums [classes, M] (plus {@code more}, or null) as right-hand sides [M, classes]. */
  private static double[] columns(double[] prototypes, double[] more, int classes, int m) {
    double[] b = new double[m * classes];
    for (int c = 0; c < classes; c++) {
      for (int i = 0; i < m; i++) {
        b[i * classes + c] = more == null ? prototypes[c * m + i] : prototypes[c * m + i] + more[c * m + i];
      }
    }
    return b;
  }

  /** G x for G symmetric given by its lower triangle and x [M, columns]. */
  private static double[] symmetricTimes(double[] lower, int m, double[] x, int columns) {
    double[] y = new double[m * columns];
    int t = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j <= i; j++, t++) {
        double g = lower[t];
        if (g == 0) {
          continue;
        }
        for (int c = 0; c < columns; c++) {
          y[i * columns + c] += g * x[j * columns + c];
        }
        if (j != i) {
          for (int c = 0; c < columns; c++) {
            y[j * columns + c] += g * x[i * columns + c];
          }
        }
      }
    }
    return y;
  }
}
