package dev.streamcl.learner.replay;

import java.util.Arrays;

/**
 * Exemplar-free pseudo-feature replay after FeTrIL (Petit et al., WACV 2023, "FeTrIL: Feature
 * Translation for Exemplar-Free Class-Incremental Learning", eq. 1): a pseudo-feature of an old class
 * c is a real feature x of a new class y translated by the centroid difference, x − μ_y + μ_c. Only
 * per-class running sums and counts are kept, no samples.
 *
 * <p>Per pseudo sample: an old class c (seen before the minibatch and absent from it) uniformly,
 * then a real row x of the minibatch uniformly (label y); μ_y includes the minibatch. Deterministic
 * for a seed ({@link ReplayRandom} state).
 */
public final class PseudoFeatureReplay implements ReplayMemory {
  private static final long serialVersionUID = 1L;

  private final int dim;
  private final ReplayRandom random;
  private int[] labels = new int[0]; // first-appearance order
  private double[] sums = new double[0]; // [classes, dim]
  private long[] counts = new long[0];

  public PseudoFeatureReplay(int dim, long seed) {
    this(dim, new ReplayRandom(seed));
  }

  private PseudoFeatureReplay(int dim, ReplayRandom random) {
    this.dim = dim;
    this.random = random;
  }

  /** A checkpointed memory: per-class sums and counts and the generator state. */
  static PseudoFeatureReplay restore(int dim, long randomState, int[] labels, double[] sums, long[] counts) {
    if (sums.length != labels.length * dim || counts.length != labels.length) {
      throw new IllegalArgumentException("Pseudo-feature memory of " + labels.length + " classes needs "
          + labels.length * dim + " sums and " + labels.length + " counts");
    }
    PseudoFeatureReplay memory = new PseudoFeatureReplay(dim, ReplayRandom.withState(randomState));
    memory.labels = labels.clone();
    memory.sums = sums.clone();
    memory.counts = counts.clone();
    return memory;
  }

  int dim() {
    return dim;
  }

  long randomState() {
    return random.state();
  }

  int[] labels() {
    return labels.clone();
  }

  double[] sums() {
    return sums.clone();
  }

  long[] counts() {
    return counts.clone();
  }

  @Override
  public ReplaySamples draw(float[] x, int n, int[] batchLabels, int k) {
    int[] old = oldClasses(batchLabels, n);
    if (old.length == 0 || k == 0) {
      return ReplaySamples.empty(dim);
    }
    float[] rows = new float[k * dim];
    int[] rowLabels = new int[k];
    // Each centroid once per draw, not once per pseudo sample: the same values, without k scans of the minibatch.
    double[][] batchMeans = new double[n][];
    double[][] oldMeans = new double[old.length][];
    for (int p = 0; p < k; p++) {
      int o = random.nextInt(old.length);
      int i = random.nextInt(n);
      if (oldMeans[o] == null) {
        oldMeans[o] = mean(old[o]);
      }
      double[] fromMean = batchMeanOf(batchLabels[i], batchMeans, x, n, batchLabels);
      translate(x, i * dim, fromMean, oldMeans[o], rows, p * dim);
      rowLabels[p] = old[o];
    }
    return new ReplaySamples(rows, rowLabels, dim);
  }

  // μ_y of the sample's label, shared by every row of the minibatch with that label.
  private double[] batchMeanOf(int label, double[][] batchMeans, float[] x, int n, int[] batchLabels) {
    int first = 0;
    while (batchLabels[first] != label) {
      first++;
    }
    if (batchMeans[first] == null) {
      batchMeans[first] = meanWithBatch(label, x, n, batchLabels);
    }
    return batchMeans[first];
  }

  @Override
  public void remember(float[] x, int n, int[] batchLabels) {
    for (int i = 0; i < n; i++) {
      int row = classIndexOrAdd(batchLabels[i]);
      for (int j = 0; j < dim; j++) {
        sums[row * dim + j] += x[i * dim + j];
      }
      counts[row]++;
    }
  }

  /** Centroid of a remembered label; null if unknown. */
  public double[] mean(int label) {
    int row = classIndex(label);
    if (row < 0) {
      return null;
    }
    double[] mean = Arrays.copyOfRange(sums, row * dim, (row + 1) * dim);
    for (int j = 0; j < dim; j++) {
      mean[j] /= counts[row];
    }
    return mean;
  }

  // x − μ_y + μ_c into out[at .. at+dim).
  private void translate(float[] x, int offset, double[] fromMean, double[] toMean, float[] out, int at) {
    for (int j = 0; j < dim; j++) {
      out[at + j] = (float) (x[offset + j] - fromMean[j] + toMean[j]);
    }
  }

  // μ_y over the remembered samples and the minibatch's samples of y.
  private double[] meanWithBatch(int label, float[] x, int n, int[] batchLabels) {
    int row = classIndex(label);
    double[] sum = row < 0 ? new double[dim] : Arrays.copyOfRange(sums, row * dim, (row + 1) * dim);
    long count = row < 0 ? 0 : counts[row];
    for (int i = 0; i < n; i++) {
      if (batchLabels[i] == label) {
        for (int j = 0; j < dim; j++) {
          sum[j] += x[i * dim + j];
        }
        count++;
      }
    }
    for (int j = 0; j < dim; j++) {
      sum[j] /= count;
    }
    return sum;
  }

  // Remembered labels absent from the minibatch, in first-appearance order.
  private int[] oldClasses(int[] batchLabels, int n) {
    int[] old = new int[labels.length];
    int count = 0;
    for (int c : labels) {
      if (!contains(batchLabels, n, c)) {
        old[count++] = c;
      }
    }
    return Arrays.copyOf(old, count);
  }

  private static boolean contains(int[] values, int n, int value) {
    for (int i = 0; i < n; i++) {
      if (values[i] == value) {
        return true;
      }
    }
    return false;
  }

  private int classIndex(int label) {
    for (int c = 0; c < labels.length; c++) {
      if (labels[c] == label) {
        return c;
      }
    }
    return -1;
  }

  private int classIndexOrAdd(int label) {
    int c = classIndex(label);
    if (c >= 0) {
      return c;
    }
    labels = Arrays.copyOf(labels, labels.length + 1);
    labels[labels.length - 1] = label;
    sums = Arrays.copyOf(sums, labels.length * dim);
    counts = Arrays.copyOf(counts, labels.length);
    return labels.length - 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PseudoFeatureReplay other && dim == other.dim && random.equals(other.random)
        && Arrays.equals(labels, other.labels) && Arrays.equals(sums, other.sums)
        && Arrays.equals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(sums) + random.hashCode();
  }
}
