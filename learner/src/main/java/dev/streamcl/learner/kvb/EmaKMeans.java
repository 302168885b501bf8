package dev.streamcl.learner.kvb;

import java.util.Arrays;
import java.util.Random;

/**
 * Initialises the keys of every codebook by EMA k-means on unlabelled projected samples, as the KVB
 * paper does (Träuble et al. 2023, Sec. 3), with the exponential-moving-average updates of VQ-VAE
 * (van den Oord et al. 2017, Appendix A.1): per batch, with n_k samples nearest to key k and Σx
 * their sum, N_k ← γ·N_k + (1−γ)·n_k, m_k ← γ·m_k + (1−γ)·Σx, key_k = m_k / N_k.
 *
 * <p>Keys start as K distinct projected samples, drawn once the first batches hold K samples
 * together (those batches then make the first update), with N_k = 1 and m_k = key_k. After each
 * update a key whose N_k falls below {@code deadKeyFactor} × mean(N) of its codebook is dead: it is
 * re-seeded to a random projected sample of the current batch, with N_k = mean(N) (so it has as long
 * as a typical key to win samples before it can die again) and m_k = N_k · key_k.
 *
 * <p>Feed batches with {@link #feed}, then {@link #freeze()} into a {@link KeyValueBottleneck}.
 * Plain Java in doubles: it runs once, over {@link KvbHyperparameters#keyInitSamples()} samples, at cost
 * ∝ C·K·dk + d·C·dk per sample. Deterministic for the config's seed and the input order.
 */
public final class EmaKMeans {
  private static final long RANDOM_STREAM = 0x4b56424b4d65616eL; // keeps this stream apart from the projection's
  private static final long FEW_SAMPLES_STREAM = 0x466577L;

  private final KvbHyperparameters config;
  private final int featureDim;
  private final float[] projection;
  private final Random random;
  private final int keyCount; // K
  private final int keyDim; // dk
  private double[] clusterSizes; // N [C, K]
  private double[] clusterSums; // m [C, K, dk]
  private double[] keys; // [C, K, dk]; null until K samples arrived
  private float[] pending = new float[0]; // projected samples [n, C·dk] while fewer than K arrived
  private long samplesSeen;
  private long reseededKeys;

  public EmaKMeans(KvbHyperparameters config, int featureDim) {
    this.config = config;
    this.featureDim = featureDim;
    this.projection = RandomProjection.matrix(config, featureDim);
    this.random = new Random(config.seed() ^ RANDOM_STREAM);
    this.keyCount = config.keysPerCodebook();
    this.keyDim = config.keyDim();
  }

  /** One EMA k-means step per codebook on {@code features[0 .. batchSize·d)} (collected until K arrived). */
  public void feed(float[] features, int batchSize) {
    if (batchSize < 1 || features.length < (long) batchSize * featureDim) {
      throw new IllegalArgumentException("Need batchSize >= 1 and " + batchSize + " x " + featureDim
          + " features, got batchSize " + batchSize + " and " + features.length + " floats");
    }
    float[] z = RandomProjection.project(projection, features, batchSize, featureDim);
    samplesSeen += batchSize;
    if (keys == null) {
      z = collectUntilKSamples(z);
      if (z == null) {
        return;
      }
      startFromSamples(z, z.length / config.projectedDim());
    }
    int samples = z.length / config.projectedDim();
    for (int c = 0; c < config.codebooks(); c++) {
      emaStep(c, z, samples);
      reseedDeadKeys(c, z, samples);
    }
  }

  /**
   * The bottleneck with the current keys frozen and zero values. When fewer than K samples ever arrived
   * (a stream too short for its keys), the keys are what there is: every sample is a key of every
   * codebook and the remaining keys repeat them, so only as many keys per codebook as samples are
   * ever nearest (ties go to the lower index). Fails only when no sample arrived at all.
   */
  public KeyValueBottleneck freeze() {
    if (keys == null) {
      int arrived = pending.length / config.projectedDim();
      if (arrived == 0) {
        throw new IllegalStateException("EMA k-means has no sample to make keys from: feed at least one");
      }
      return KeyValueBottleneck.withKeys(config, featureDim, keysFromFewSamples(pending, arrived));
    }
    return KeyValueBottleneck.withKeys(config, featureDim, keys());
  }

  /** Current keys [C, K, dk] (a copy); null until K samples arrived. */
  public float[] keys() {
    if (keys == null) {
      return null;
    }
    float[] out = new float[keys.length];
    for (int i = 0; i < keys.length; i++) {
      out[i] = (float) keys[i];
    }
    return out;
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  /** Dead keys re-seeded so far, all codebooks together. */
  public long reseededKeys() {
    return reseededKeys;
  }

  // Fewer than K samples: each codebook's keys are the samples in a shuffled order, repeated. Its own
  // generator, so freezing changes nothing of this k-means.
  private float[] keysFromFewSamples(float[] z, int arrived) {
    Random shuffle = new Random(config.seed() ^ RANDOM_STREAM ^ FEW_SAMPLES_STREAM);
    float[] few = new float[config.valueRows() * keyDim];
    int[] order = new int[arrived];
    for (int c = 0; c < config.codebooks(); c++) {
      for (int i = 0; i < arrived; i++) {
        order[i] = i;
      }
      for (int i = arrived - 1; i > 0; i--) {
        int pick = shuffle.nextInt(i + 1);
        int sample = order[pick];
        order[pick] = order[i];
        order[i] = sample;
      }
      for (int k = 0; k < keyCount; k++) {
        System.arraycopy(z, sampleOffset(order[k % arrived], c), few, (c * keyCount + k) * keyDim, keyDim);
      }
    }
    return few;
  }

  // Keys = K distinct samples per codebook (a partial Fisher-Yates shuffle of the batch).
  private void startFromSamples(float[] z, int batchSize) {
    keys = new double[config.valueRows() * keyDim];
    clusterSums = new double[keys.length];
    clusterSizes = new double[config.valueRows()];
    int[] order = new int[batchSize];
    for (int c = 0; c < config.codebooks(); c++) {
      for (int i = 0; i < batchSize; i++) {
        order[i] = i;
      }
      for (int k = 0; k < keyCount; k++) {
        int pick = k + random.nextInt(batchSize - k);
        int sample = order[pick];
        order[pick] = order[k];
        order[k] = sample;
        setKey(c, k, z, sample, 1);
      }
    }
  }

  // VQ-VAE EMA update (van den Oord et al. 2017, eq. in App. A.1) for codebook c.
  private void emaStep(int c, float[] z, int batchSize) {
    double[] counts = new double[keyCount];
    double[] sums = new double[keyCount * keyDim];
    for (int b = 0; b < batchSize; b++) {
      int k = nearestKey(c, z, b);
      counts[k]++;
      for (int j = 0; j < keyDim; j++) {
        sums[k * keyDim + j] += z[sampleOffset(b, c) + j];
      }
    }
    double gamma = config.emaDecay();
    for (int k = 0; k < keyCount; k++) {
      int row = c * keyCount + k;
      clusterSizes[row] = gamma * clusterSizes[row] + (1 - gamma) * counts[k];
      for (int j = 0; j < keyDim; j++) {
        int at = row * keyDim + j;
        clusterSums[at] = gamma * clusterSums[at] + (1 - gamma) * sums[k * keyDim + j];
        if (clusterSizes[row] > 0) { // only 0 after underflow, with dead-key re-seeding off
          keys[at] = clusterSums[at] / clusterSizes[row];
        }
      }
    }
  }

  private void reseedDeadKeys(int c, float[] z, int batchSize) {
    double meanSize = 0;
    for (int k = 0; k < keyCount; k++) {
      meanSize += clusterSizes[c * keyCount + k];
    }
    meanSize /= keyCount;
    for (int k = 0; k < keyCount; k++) {
      if (clusterSizes[c * keyCount + k] < config.deadKeyFactor() * meanSize) {
        setKey(c, k, z, random.nextInt(batchSize), meanSize);
        reseededKeys++;
      }
    }
  }

  private void setKey(int c, int k, float[] z, int sample, double size) {
    int row = c * keyCount + k;
    clusterSizes[row] = size;
    for (int j = 0; j < keyDim; j++) {
      keys[row * keyDim + j] = z[sampleOffset(sample, c) + j];
      clusterSums[row * keyDim + j] = size * keys[row * keyDim + j];
    }
  }

  // Squared Euclidean distance; ties go to the lower key index, as ONNX TopK does.
  private int nearestKey(int c, float[] z, int sample) {
    int best = 0;
    double bestDistance = Double.POSITIVE_INFINITY;
    int from = sampleOffset(sample, c);
    for (int k = 0; k < keyCount; k++) {
      double distance = 0;
      int key = (c * keyCount + k) * keyDim;
      for (int j = 0; j < keyDim; j++) {
        double diff = z[from + j] - keys[key + j];
        distance += diff * diff;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = k;
      }
    }
    return best;
  }

  // All projected samples so far once there are K of them, else null.
  private float[] collectUntilKSamples(float[] z) {
    float[] all = Arrays.copyOf(pending, pending.length + z.length);
    System.arraycopy(z, 0, all, pending.length, z.length);
    if (all.length / config.projectedDim() < keyCount) {
      pending = all;
      return null;
    }
    pending = null;
    return all;
  }

  private int sampleOffset(int sample, int c) {
    return sample * config.projectedDim() + c * keyDim;
  }
}
