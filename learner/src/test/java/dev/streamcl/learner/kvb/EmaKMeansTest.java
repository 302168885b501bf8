package dev.streamcl.learner.kvb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EmaKMeansTest {
  private static final int DIM = 2;
  private static final int KEYS = 4;
  private static final int CODEBOOKS = 2;
  private static final double SIGMA = 0.3;
  private static final float[][] CENTRES = {{-3, -3}, {-3, 3}, {3, -3}, {3, 3}};
  private static final KvbHyperparameters CONFIG =
      new KvbHyperparameters(CODEBOOKS, KEYS, 2, 1, 4, 0.3, 0.1, 5L, 0.95, 0.1, 1000);

  /** Points of the given clusters, round robin, with Gaussian noise SIGMA. */
  private static float[] clusterPoints(Random random, int n, int... clusters) {
    float[] x = new float[n * DIM];
    for (int i = 0; i < n; i++) {
      float[] centre = CENTRES[clusters[i % clusters.length]];
      for (int j = 0; j < DIM; j++) {
        x[i * DIM + j] = (float) (centre[j] + SIGMA * random.nextGaussian());
      }
    }
    return x;
  }

  /** Cluster centres seen through codebook c's projection: the targets of that codebook's keys. */
  private static float[][] projectedCentres(int c) {
    float[] w = RandomProjection.matrix(CONFIG, DIM);
    float[][] out = new float[CENTRES.length][];
    for (int i = 0; i < CENTRES.length; i++) {
      float[] z = RandomProjection.project(w, CENTRES[i], 1, DIM);
      out[i] = Arrays.copyOfRange(z, c * 2, c * 2 + 2);
    }
    return out;
  }

  private static double distance(float[] keys, int c, int k, float[] point) {
    int at = (c * KEYS + k) * 2;
    return Math.hypot(keys[at] - point[0], keys[at + 1] - point[1]);
  }

  private static double closestPair(float[][] points) {
    double closest = Double.POSITIVE_INFINITY;
    for (int i = 0; i < points.length; i++) {
      for (int j = i + 1; j < points.length; j++) {
        closest = Math.min(closest, Math.hypot(points[i][0] - points[j][0], points[i][1] - points[j][1]));
      }
    }
    return closest;
  }

  /** Starts with one sample per cluster as keys (a first batch of exactly K), then 60 batches. */
  private static EmaKMeans converged(Random random) {
    EmaKMeans kMeans = new EmaKMeans(CONFIG, DIM);
    kMeans.feed(clusterPoints(random, KEYS, 0, 1, 2, 3), KEYS);
    for (int batch = 0; batch < 60; batch++) {
      kMeans.feed(clusterPoints(random, 256, 0, 1, 2, 3), 256);
    }
    return kMeans;
  }

  @Test
  void keysConvergeToTheClusterCentres() {
    EmaKMeans kMeans = converged(new Random(1));
    float[] keys = kMeans.keys();
    for (int c = 0; c < CODEBOOKS; c++) {
      float[][] centres = projectedCentres(c);
      assertTrue(closestPair(centres) > 1, "the projection keeps the clusters apart in codebook " + c);
      for (float[] centre : centres) {
        double nearest = Double.POSITIVE_INFINITY;
        for (int k = 0; k < KEYS; k++) {
          nearest = Math.min(nearest, distance(keys, c, k, centre));
        }
        assertTrue(nearest < 0.05,
            "codebook " + c + ": nearest key " + nearest + " from centre " + Arrays.toString(centre));
      }
    }
    assertEquals(0, kMeans.reseededKeys());
  }

  @Test
  void keyOfAVanishedClusterIsReseededIntoTheData() {
    Random random = new Random(2);
    EmaKMeans kMeans = converged(random);
    // N of cluster 3's key decays as 0.95^t: below 0.1 × mean(N) after about 45 batches.
    for (int batch = 0; batch < 80; batch++) {
      kMeans.feed(clusterPoints(random, 255, 0, 1, 2), 255); // cluster 3 is gone
    }
    assertTrue(kMeans.reseededKeys() >= CODEBOOKS, "the key of cluster 3 died in every codebook");
    float[] keys = kMeans.keys();
    for (int c = 0; c < CODEBOOKS; c++) {
      float[][] centres = projectedCentres(c);
      for (int k = 0; k < KEYS; k++) {
        int nearest = 0;
        for (int i = 1; i < centres.length; i++) {
          nearest = distance(keys, c, k, centres[i]) < distance(keys, c, k, centres[nearest]) ? i : nearest;
        }
        assertTrue(nearest != 3, "codebook " + c + " key " + k + " left cluster 3");
        assertTrue(distance(keys, c, k, centres[nearest]) < closestPair(centres) / 2,
            "codebook " + c + " key " + k + " sits inside live cluster " + nearest);
      }
    }
  }

  @Test
  void deterministicForASeed() {
    float[] data = clusterPoints(new Random(3), 512, 0, 1, 2, 3);
    EmaKMeans a = new EmaKMeans(CONFIG, DIM);
    EmaKMeans b = new EmaKMeans(CONFIG, DIM);
    EmaKMeans otherSeed = new EmaKMeans(CONFIG.withSeed(6L), DIM);
    for (EmaKMeans kMeans : new EmaKMeans[] {a, b, otherSeed}) {
      kMeans.feed(data, 512);
      kMeans.feed(data, 512);
    }
    assertArrayEquals(a.keys(), b.keys());
    assertEquals(a.freeze(), b.freeze());
    assertFalse(Arrays.equals(a.keys(), otherSeed.keys()));
  }

  /** A stream too short for its keys: every codebook's keys are its samples (projected), repeated. */
  private static void assertFewSampleKeys(KeyValueBottleneck state, float[] samples, int n) {
    float[] projected = RandomProjection.project(RandomProjection.matrix(CONFIG, DIM), samples, n, DIM);
    float[] keys = state.keys();
    int dk = CONFIG.keyDim();
    for (int c = 0; c < CONFIG.codebooks(); c++) {
      java.util.Set<String> distinct = new java.util.HashSet<>();
      for (int k = 0; k < CONFIG.keysPerCodebook(); k++) {
        float[] key = Arrays.copyOfRange(keys, (c * CONFIG.keysPerCodebook() + k) * dk,
            (c * CONFIG.keysPerCodebook() + k + 1) * dk);
        boolean isASample = false;
        for (int s = 0; s < n; s++) {
          isASample |= Arrays.equals(key, Arrays.copyOfRange(projected, s * CONFIG.projectedDim() + c * dk,
              s * CONFIG.projectedDim() + (c + 1) * dk));
        }
        assertTrue(isASample, "key " + k + " of codebook " + c + " is one of the samples");
        distinct.add(Arrays.toString(key));
      }
      assertEquals(Math.min(n, CONFIG.keysPerCodebook()), distinct.size(), "every sample is a key of codebook " + c);
    }
    assertArrayEquals(new float[CONFIG.valueRows() * CONFIG.classes()], state.values());
  }

  @Test
  void freezeMakesAZeroValuedBottleneck() {
    EmaKMeans kMeans = new EmaKMeans(CONFIG, DIM);
    assertThrows(IllegalStateException.class, kMeans::freeze);
    float[] three = clusterPoints(new Random(4), 3, 0, 1, 2);
    kMeans.feed(three, 3);
    assertNull(kMeans.keys(), "3 samples cannot start 4 distinct keys");
    assertFewSampleKeys(kMeans.freeze(), three, 3);
    assertNull(kMeans.keys(), "freezing early changes nothing of the k-means");
    kMeans.feed(clusterPoints(new Random(5), 1, 3), 1);
    float[][] centres = projectedCentres(0);
    for (int k = 0; k < KEYS; k++) {
      int key = k;
      assertTrue(Arrays.stream(centres).anyMatch(centre -> distance(kMeans.keys(), 0, key, centre) < 1.5),
          "the 4 samples of 4 clusters became the keys");
    }
    KeyValueBottleneck state = kMeans.freeze();
    assertArrayEquals(kMeans.keys(), state.keys());
    assertArrayEquals(new float[CONFIG.valueRows() * CONFIG.classes()], state.values());
    assertEquals(DIM, state.featureDim());
  }
}
