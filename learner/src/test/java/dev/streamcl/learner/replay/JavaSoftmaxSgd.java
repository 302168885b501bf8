package dev.streamcl.learner.replay;

/**
 * Plain-Java reference of one softmax SGD step (double arithmetic) and of argmax prediction. Public
 * for the kernel benchmarks (dev.streamcl.bench).
 */
public final class JavaSoftmaxSgd {
  private JavaSoftmaxSgd() {}

  /** Same contract as {@link SoftmaxSgdKernel#step}; returns the mean cross-entropy before the step. */
  public static float step(SoftmaxHead head, float[] x, int n, int[] labels, float lr) {
    int d = head.dim();
    int[] target = new int[n];
    for (int i = 0; i < n; i++) {
      target[i] = head.classIndexOrAdd(labels[i]);
    }
    int c = head.classCount();
    float[] w = head.weightsView();
    float[] b = head.biasView();
    double[] gradW = new double[c * d];
    double[] gradB = new double[c];
    double loss = 0;
    for (int i = 0; i < n; i++) {
      double[] p = softmax(logits(w, b, x, i * d, c, d));
      loss -= Math.log(p[target[i]]);
      for (int k = 0; k < c; k++) {
        double g = (p[k] - (k == target[i] ? 1 : 0)) / n;
        gradB[k] += g;
        for (int j = 0; j < d; j++) {
          gradW[k * d + j] += g * x[i * d + j];
        }
      }
    }
    float[] newW = new float[c * d];
    float[] newB = new float[c];
    for (int k = 0; k < c * d; k++) {
      newW[k] = (float) (w[k] - lr * gradW[k]);
    }
    for (int k = 0; k < c; k++) {
      newB[k] = (float) (b[k] - lr * gradB[k]);
    }
    head.set(newW, newB);
    return (float) (loss / n);
  }

  /** The label of the largest logit of row i. */
  static int predict(SoftmaxHead head, float[] x, int offset) {
    double[] z = logits(head.weightsView(), head.biasView(), x, offset, head.classCount(), head.dim());
    int best = 0;
    for (int k = 1; k < z.length; k++) {
      best = z[k] > z[best] ? k : best;
    }
    return head.label(best);
  }

  static double[] logits(float[] w, float[] b, float[] x, int offset, int c, int d) {
    double[] z = new double[c];
    for (int k = 0; k < c; k++) {
      double s = b[k];
      for (int j = 0; j < d; j++) {
        s += (double) w[k * d + j] * x[offset + j];
      }
      z[k] = s;
    }
    return z;
  }

  private static double[] softmax(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    double[] p = new double[z.length];
    for (int k = 0; k < z.length; k++) {
      p[k] = Math.exp(z[k] - max);
      sum += p[k];
    }
    for (int k = 0; k < z.length; k++) {
      p[k] /= sum;
    }
    return p;
  }
}
