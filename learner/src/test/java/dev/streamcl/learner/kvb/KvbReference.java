package dev.streamcl.learner.kvb;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * A plain-Java KVB written straight from the paper's definitions, in doubles and one sample at a
 * time: full squared distances, a stable sort for the nearest keys, mean of the fetched values,
 * softmax, and the SGD step on label-smoothed cross-entropy derived per value row. Public for the
 * kernel benchmarks (dev.streamcl.bench).
 */
public final class KvbReference {
  private final KvbHyperparameters config;
  private final int featureDim;
  private final float[] projection;
  private final float[] keys;

  public KvbReference(KeyValueBottleneck state) {
    this.config = state.config();
    this.featureDim = state.featureDim();
    this.projection = RandomProjection.matrix(config, featureDim);
    this.keys = state.keys();
  }

  /** Value rows (c·K + key) sample b fetches, [C, topk], nearest first. */
  int[] fetchedRows(float[] features, int b) {
    int c = config.codebooks();
    int k = config.keysPerCodebook();
    int[] rows = new int[c * config.topK()];
    for (int cb = 0; cb < c; cb++) {
      double[] distances = distances(features, b, cb);
      Integer[] order = IntStream.range(0, k).boxed().toArray(Integer[]::new);
      Arrays.sort(order, Comparator.comparingDouble(key -> distances[key])); // stable: ties keep index order
      for (int t = 0; t < config.topK(); t++) {
        rows[cb * config.topK() + t] = cb * k + order[t];
      }
    }
    return rows;
  }

  /** Gap between the top-k-th and the next distance of every codebook: small gaps make ties. */
  double smallestGap(float[] features, int b) {
    double smallest = Double.POSITIVE_INFINITY;
    int k = config.keysPerCodebook();
    for (int cb = 0; cb < config.codebooks(); cb++) {
      double[] distances = distances(features, b, cb);
      Arrays.sort(distances);
      if (config.topK() < k) {
        smallest = Math.min(smallest, distances[config.topK()] - distances[config.topK() - 1]);
      }
    }
    return smallest;
  }

  /** Softmax of the mean fetched value vector. */
  public double[] probabilities(float[] values, float[] features, int b) {
    int classes = config.classes();
    int[] rows = fetchedRows(features, b);
    double[] logits = new double[classes];
    for (int row : rows) {
      for (int y = 0; y < classes; y++) {
        logits[y] += values[row * classes + y] / rows.length;
      }
    }
    double max = Arrays.stream(logits).max().orElseThrow();
    double[] p = Arrays.stream(logits).map(l -> Math.exp(l - max)).toArray();
    double sum = Arrays.stream(p).sum();
    return Arrays.stream(p).map(v -> v / sum).toArray();
  }

  /**
   * One SGD step on L = mean over labelled samples of CE(softmax(mean fetched values), smoothed target):
   * ∂L/∂value[row] = Σ_{i fetching row} (p_i − target_i) / (C·topk) / n_labelled.
   */
  public float[] sgdStep(float[] values, float[] features, int batchSize, int[] labels) {
    int classes = config.classes();
    double eps = config.labelSmoothing();
    long labelled = Arrays.stream(labels, 0, batchSize).filter(l -> l >= 0).count();
    double[] updated = new double[values.length];
    Arrays.setAll(updated, i -> values[i]);
    for (int b = 0; b < batchSize; b++) {
      if (labels[b] < 0) {
        continue;
      }
      double[] p = probabilities(values, features, b);
      int[] rows = fetchedRows(features, b);
      for (int row : rows) {
        for (int y = 0; y < classes; y++) {
          double target = (y == labels[b] ? 1 - eps : 0) + eps / classes;
          updated[row * classes + y] -= config.learningRate() * (p[y] - target) / rows.length / labelled;
        }
      }
    }
    float[] out = new float[values.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) updated[i];
    }
    return out;
  }

  private double[] distances(float[] features, int b, int codebook) {
    int k = config.keysPerCodebook();
    double[] z = head(features, b, codebook);
    double[] distances = new double[k];
    for (int key = 0; key < k; key++) {
      for (int j = 0; j < z.length; j++) {
        double diff = z[j] - keys[(codebook * k + key) * config.keyDim() + j];
        distances[key] += diff * diff;
      }
    }
    return distances;
  }

  private double[] head(float[] features, int b, int codebook) {
    int dk = config.keyDim();
    int width = config.projectedDim();
    double[] z = new double[dk];
    for (int j = 0; j < dk; j++) {
      for (int i = 0; i < featureDim; i++) {
        z[j] += (double) features[b * featureDim + i] * projection[i * width + codebook * dk + j];
      }
    }
    return z;
  }
}
