package dev.streamcl.learner.kvb;

import java.util.Arrays;
import java.util.Random;

/**
 * The fixed random projections of a KVB (Träuble et al. 2023, Sec. 3: each codebook sees its own
 * fixed random projection of the encoder output): one matrix W [d, C·dk], row-major, whose columns
 * c·dk .. c·dk+dk−1 project to codebook c. Entries are N(0, 1/dk), so a projected head keeps the
 * squared norm of x in expectation.
 *
 * <p>W is never stored: it is regenerated from (seed, d, C, dk) with {@link java.util.Random}, whose
 * Gaussian sequence is fixed by the Java specification, so every JVM gets the same matrix.
 */
public final class RandomProjection {
  // The last matrix made: every KVB snapshot's portable model embeds W, and drawing its 700,000 Gaussians
  // (784 x 896) took a third of a snapshot's publishing time on the learner's thread.
  private static Made lastMade;

  private record Made(long seed, int featureDim, int codebooks, int keyDim, float[] w) {}

  private RandomProjection() {}

  /** W [d, C·dk] row-major for these settings and this feature dimension. */
  public static float[] matrix(KvbHyperparameters config, int featureDim) {
    return matrix(config.seed(), featureDim, config.codebooks(), config.keyDim());
  }

  /** A copy of W for these settings: callers may change theirs. */
  public static float[] matrix(long seed, int featureDim, int codebooks, int keyDim) {
    if (featureDim < 1) {
      throw new IllegalArgumentException("Feature dimension must be >= 1, got " + featureDim);
    }
    synchronized (RandomProjection.class) {
      Made last = lastMade;
      if (last == null || last.seed() != seed || last.featureDim() != featureDim || last.codebooks() != codebooks
          || last.keyDim() != keyDim) {
        last = new Made(seed, featureDim, codebooks, keyDim, draw(seed, featureDim, codebooks, keyDim));
        lastMade = last;
      }
      return last.w().clone();
    }
  }

  private static float[] draw(long seed, int featureDim, int codebooks, int keyDim) {
    Random random = new Random(seed);
    float[] w = new float[Math.multiplyExact(featureDim, Math.multiplyExact(codebooks, keyDim))];
    double scale = 1 / Math.sqrt(keyDim);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (scale * random.nextGaussian());
    }
    return w;
  }

  /** Z = X·W: rows [batch, C·dk] of the projected features [batch, d], in double sums. */
  public static float[] project(float[] w, float[] features, int batchSize, int featureDim) {
    int width = w.length / featureDim;
    float[] z = new float[batchSize * width];
    double[] row = new double[width];
    for (int b = 0; b < batchSize; b++) {
      Arrays.fill(row, 0);
      for (int i = 0; i < featureDim; i++) {
        double x = features[b * featureDim + i];
        for (int j = 0; j < width; j++) {
          row[j] += x * w[i * width + j];
        }
      }
      for (int j = 0; j < width; j++) {
        z[b * width + j] = (float) row[j];
      }
    }
    return z;
  }
}
