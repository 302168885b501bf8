package dev.streamcl.bench;

import java.util.Random;

/** Seeded inputs shared by the kernel benchmarks: encoded Fashion-MNIST-sized features and labels. */
final class BenchmarkInputs {
  /** Pixels of a 28x28 image, the default stream's encoder input and feature dimension. */
  static final int[] IMAGE_SHAPE = {28, 28};
  static final int DIM = 784;
  static final int CLASSES = 10;

  private BenchmarkInputs() {}

  /** Pixel intensities 0..255, as the pixels encoder receives them. */
  static float[] pixels(long seed, int count) {
    Random random = new Random(seed);
    float[] pixels = new float[count];
    for (int i = 0; i < count; i++) {
      pixels[i] = random.nextInt(256);
    }
    return pixels;
  }

  /** Features in [0, 1), as the pixels encoder emits them. */
  static float[] features(long seed, int batch) {
    Random random = new Random(seed);
    float[] features = new float[batch * DIM];
    for (int i = 0; i < features.length; i++) {
      features[i] = random.nextFloat();
    }
    return features;
  }

  static float[] gaussians(long seed, int count, double scale) {
    Random random = new Random(seed);
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = (float) (scale * random.nextGaussian());
    }
    return values;
  }

  static int[] labels(long seed, int batch) {
    return new Random(seed).ints(batch, 0, CLASSES).toArray();
  }
}
