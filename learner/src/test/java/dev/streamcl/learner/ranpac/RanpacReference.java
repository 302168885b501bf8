package dev.streamcl.learner.ranpac;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * RanPAC written from the paper's definitions (McDonnell et al. 2023, section 4.2 and their
 * {@code optimise_ridge_parameter}), for the tests: projection rebuilt from the seed, h = ReLU(x W) in double,
 * Gram and prototype matrices over all samples, the held-out error computed sample by sample from the stored
 * held-out projections, and every read-out by Gauss–Jordan inversion.
 */
final class RanpacReference {
  final int dim;
  final int m;
  final double[][] projection;
  final List<Integer> labels = new ArrayList<>(); // first-seen order
  final double[][] fitGram;
  final double[][] heldOutGram;
  final List<double[]> fitPrototypes = new ArrayList<>();
  final List<double[]> heldOutPrototypes = new ArrayList<>();
  final List<double[]> heldOutH = new ArrayList<>();
  final List<Integer> heldOutY = new ArrayList<>();

  RanpacReference(long seed, int dim, int m) {
    this.dim = dim;
    this.m = m;
    Random random = new Random(seed);
    projection = new double[dim][m];
    for (int k = 0; k < dim; k++) {
      for (int j = 0; j < m; j++) {
        projection[k][j] = (float) random.nextGaussian();
      }
    }
    fitGram = new double[m][m];
    heldOutGram = new double[m][m];
  }

  double[] project(float[] x) {
    double[] h = new double[m];
    for (int j = 0; j < m; j++) {
      double v = 0;
      for (int k = 0; k < dim; k++) {
        v += x[k] * projection[k][j];
      }
      h[j] = Math.max(0, v);
    }
    return h;
  }

  void learn(float[] x, int label, boolean heldOut) {
    double[] h = project(x);
    if (!labels.contains(label)) {
      labels.add(label);
      fitPrototypes.add(new double[m]);
      heldOutPrototypes.add(new double[m]);
    }
    int c = labels.indexOf(label);
    double[][] gram = heldOut ? heldOutGram : fitGram;
    double[] prototype = (heldOut ? heldOutPrototypes : fitPrototypes).get(c);
    for (int i = 0; i < m; i++) {
      prototype[i] += h[i];
      for (int j = 0; j < m; j++) {
        gram[i][j] += h[i] * h[j];
      }
    }
    if (heldOut) {
      heldOutH.add(h);
      heldOutY.add(c);
    }
  }

  /** The paper's choice: the first ridge of least mean squared error on the held-out samples. */
  double chooseRidge() {
    double best = Double.NaN;
    double bestLoss = Double.POSITIVE_INFINITY;
    for (int e = -8; e <= 13; e++) {
      double ridge = Math.pow(10, e);
      double[][] w = solve(fitGram, null, ridge, fitPrototypes, null);
      double loss = 0;
      for (int v = 0; v < heldOutH.size(); v++) {
        double[] scores = scores(w, heldOutH.get(v));
        for (int c = 0; c < scores.length; c++) {
          double target = c == heldOutY.get(v) ? 1 : 0;
          loss += (scores[c] - target) * (scores[c] - target);
        }
      }
      if (loss < bestLoss) {
        bestLoss = loss;
        best = ridge;
      }
    }
    return best;
  }

  /** The read-out on every sample: [classes][M]. */
  double[][] readout(double ridge) {
    return solve(fitGram, heldOutGram, ridge, fitPrototypes, heldOutPrototypes);
  }

  /** The label of the highest score (ties to the first class). */
  int predict(double[][] readout, float[] x) {
    double[] scores = scores(readout, project(x));
    int best = 0;
    for (int c = 1; c < scores.length; c++) {
      if (scores[c] > scores[best]) {
        best = c;
      }
    }
    return labels.get(best);
  }

  private static double[] scores(double[][] w, double[] h) {
    double[] scores = new double[w.length];
    for (int c = 0; c < w.length; c++) {
      for (int i = 0; i < h.length; i++) {
        scores[c] += w[c][i] * h[i];
      }
    }
    return scores;
  }

  private double[][] solve(double[][] a, double[][] b, double ridge, List<double[]> c, List<double[]> more) {
    double[][] g = new double[m][m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        g[i][j] = a[i][j] + (b == null ? 0 : b[i][j]) + (i == j ? ridge : 0);
      }
    }
    double[][] inverse = inverse(g);
    double[][] w = new double[c.size()][m];
    for (int k = 0; k < c.size(); k++) {
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < m; j++) {
          w[k][i] += inverse[i][j] * (c.get(k)[j] + (more == null ? 0 : more.get(k)[j]));
        }
      }
    }
    return w;
  }

  private static double[][] inverse(double[][] a) {
    int n = a.length;
    double[][] t = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(a[i], 0, t[i], 0, n);
      t[i][n + i] = 1;
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(t[r][col]) > Math.abs(t[pivot][col])) {
          pivot = r;
        }
      }
      double[] swap = t[col];
      t[col] = t[pivot];
      t[pivot] = swap;
      double p = t[col][col];
      for (int j = 0; j < 2 * n; j++) {
        t[col][j] /= p;
      }
      for (int r = 0; r < n; r++) {
        if (r != col && t[r][col] != 0) {
          double f = t[r][col];
          for (int j = 0; j < 2 * n; j++) {
            t[r][j] -= f * t[col][j];
          }
        }
      }
    }
    double[][] inverse = new double[n][n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(t[i], n, inverse[i], 0, n);
    }
    return inverse;
  }
}
