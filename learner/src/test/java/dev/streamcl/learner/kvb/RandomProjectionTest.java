package dev.streamcl.learner.kvb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RandomProjectionTest {
  @Test
  void theMatrixIsTheSeededGaussianSequenceScaledByOneOverRootKeyDimAlsoAfterACallerChangedItsCopy() {
    float[] expected = reference(7, 5, 3, 2);

    float[] first = RandomProjection.matrix(7, 5, 3, 2);
    first[0] += 1;
    float[] other = RandomProjection.matrix(8, 5, 3, 2);
    float[] again = RandomProjection.matrix(7, 5, 3, 2);

    assertArrayEquals(expected, RandomProjection.matrix(7, 5, 3, 2), 0);
    assertArrayEquals(expected, again, 0);
    assertArrayEquals(reference(8, 5, 3, 2), other, 0);
  }

  private static float[] reference(long seed, int featureDim, int codebooks, int keyDim) {
    Random random = new Random(seed);
    float[] w = new float[featureDim * codebooks * keyDim];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) (random.nextGaussian() / Math.sqrt(keyDim));
    }
    return w;
  }
}
