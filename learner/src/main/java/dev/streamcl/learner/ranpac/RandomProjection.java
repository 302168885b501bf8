package dev.streamcl.learner.ranpac;

import java.util.Random;

/**
 * RanPAC's frozen random projection (McDonnell et al., "RanPAC: Random Projections and Pre-trained Models for
 * Continual Learning", NeurIPS 2023, section 4.2): W [d, M] with independent standard normal entries, and features
 * h = ReLU(x W). Drawn from {@code new java.util.Random(seed).nextGaussian()} row by row and rounded to float, so
 * any client can rebuild it from the seed; the portable heads carry it anyway.
 */
public final class RandomProjection {
  private RandomProjection() {}

  /** W [dim, projectionDim] row-major. */
  public static float[] weights(long seed, int dim, int projectionDim) {
    Random random = new Random(seed);
    float[] w = new float[Math.multiplyExact(dim, projectionDim)];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextGaussian();
    }
    return w;
  }
}
