package dev.streamcl.learner.nmc;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Plain-Java reference: one sample at a time, double precision, predict then learn. Public for the
 * kernel benchmarks (dev.streamcl.bench).
 */
public final class SequentialNmc {
  final int dim;
  final List<Integer> labels = new ArrayList<>();
  final List<double[]> sums = new ArrayList<>();
  final List<Long> counts = new ArrayList<>();

  SequentialNmc(int dim) {
    this.dim = dim;
  }

  public SequentialNmc(ClassMeanState state) {
    this(state.dim());
    for (int c = 0; c < state.classCount(); c++) {
      labels.add(state.labels()[c]);
      double[] sum = new double[dim];
      for (int k = 0; k < dim; k++) {
        sum[k] = state.sum(c, k);
      }
      sums.add(sum);
      counts.add(state.count(c));
    }
  }

  /** Top-k (label, −squared distance) by nearest mean, best first; then learns the sample if labelled. */
  public List<double[]> predictThenLearn(float[] features, int offset, int label, int k) {
    double[] x = normalize(features, offset);
    List<double[]> scored = new ArrayList<>();
    for (int c = 0; c < labels.size(); c++) {
      if (counts.get(c) > 0) {
        scored.add(new double[] {labels.get(c), -squaredDistance(x, c), c});
      }
    }
    // Best score first; ties go to the earlier class, as ONNX TopK does.
    scored.sort(Comparator.<double[]>comparingDouble(s -> -s[1]).thenComparingDouble(s -> s[2]));
    if (label >= 0) {
      learn(x, label);
    }
    return scored.subList(0, Math.min(k, scored.size()));
  }

  private double squaredDistance(double[] x, int c) {
    double distance = 0;
    for (int j = 0; j < dim; j++) {
      double diff = x[j] - sums.get(c)[j] / counts.get(c);
      distance += diff * diff;
    }
    return distance;
  }

  private void learn(double[] x, int label) {
    int c = labels.indexOf(label);
    if (c < 0) { // classes kept sorted by label
      c = (int) labels.stream().filter(known -> known < label).count();
      labels.add(c, label);
      sums.add(c, new double[dim]);
      counts.add(c, 0L);
    }
    for (int j = 0; j < dim; j++) {
      sums.get(c)[j] += x[j];
    }
    counts.set(c, counts.get(c) + 1);
  }

  private double[] normalize(float[] features, int offset) {
    double norm = 0;
    for (int j = 0; j < dim; j++) {
      norm += (double) features[offset + j] * features[offset + j];
    }
    norm = Math.max(Math.sqrt(norm), 1e-12);
    double[] x = new double[dim];
    for (int j = 0; j < dim; j++) {
      x[j] = features[offset + j] / norm;
    }
    return x;
  }
}
