package dev.streamcl.learner.replay;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

/**
 * Split Fashion-MNIST for learner tests, copying the reading and ordering of stream-app's
 * {@code FashionMnist} / {@code SplitFashionMnist} (which the learner module cannot see): 5 tasks
 * {0,1}, {2,3}, ...; training order = task 0's indices Fisher–Yates-shuffled with
 * {@code java.util.Random(seed)}, then task 1's with the same Random, ...; test set in file order.
 * Features are pixels / 255.
 */
final class SplitFashionMnistData {
  static final Path DIR = Path.of("/usr/share/datasets/fashion-mnist");
  static final int PIXELS = 784;

  final byte[] trainImages; // [60000, 784]
  final int[] trainLabels;
  final int[] trainOrder;
  final byte[] testImages;
  final int[] testLabels;

  private SplitFashionMnistData(long seed) throws IOException {
    trainImages = readImages(DIR.resolve("train-images-idx3-ubyte.gz"));
    trainLabels = readLabels(DIR.resolve("train-labels-idx1-ubyte.gz"));
    testImages = readImages(DIR.resolve("t10k-images-idx3-ubyte.gz"));
    testLabels = readLabels(DIR.resolve("t10k-labels-idx1-ubyte.gz"));
    trainOrder = shuffledTaskOrder(trainLabels, new Random(seed));
  }

  static boolean available() {
    return Files.isRegularFile(DIR.resolve("train-images-idx3-ubyte.gz"));
  }

  static SplitFashionMnistData load(long seed) throws IOException {
    return new SplitFashionMnistData(seed);
  }

  /** Rows {@code from .. from+n} of the training stream as features; labels into {@code labels}. */
  float[] trainBatch(int from, int n, int[] labels) {
    float[] x = new float[n * PIXELS];
    for (int i = 0; i < n; i++) {
      int index = trainOrder[from + i];
      labels[i] = trainLabels[index];
      toFeatures(trainImages, index, x, i);
    }
    return x;
  }

  float[] testFeatures(int from, int n) {
    float[] x = new float[n * PIXELS];
    for (int i = 0; i < n; i++) {
      toFeatures(testImages, from + i, x, i);
    }
    return x;
  }

  private static void toFeatures(byte[] images, int index, float[] x, int row) {
    for (int j = 0; j < PIXELS; j++) {
      x[row * PIXELS + j] = (images[index * PIXELS + j] & 0xFF) / 255f;
    }
  }

  private static int[] shuffledTaskOrder(int[] labels, Random random) {
    int[] order = new int[0];
    for (int task = 0; task < 5; task++) {
      int t = task;
      int[] indices = IntStream.range(0, labels.length).filter(i -> labels[i] / 2 == t).toArray();
      for (int i = indices.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = indices[i];
        indices[i] = indices[j];
        indices[j] = swap;
      }
      int start = order.length;
      order = Arrays.copyOf(order, start + indices.length);
      System.arraycopy(indices, 0, order, start, indices.length);
    }
    return order;
  }

  private static byte[] readImages(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      in.readInt(); // magic 0x803
      int count = in.readInt();
      in.readInt();
      in.readInt();
      byte[] images = new byte[count * PIXELS];
      in.readFully(images);
      return images;
    }
  }

  private static int[] readLabels(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      in.readInt(); // magic 0x801
      byte[] raw = new byte[in.readInt()];
      in.readFully(raw);
      int[] labels = new int[raw.length];
      Arrays.setAll(labels, i -> raw[i] & 0xFF);
      return labels;
    }
  }

  private static DataInputStream open(Path file) throws IOException {
    return new DataInputStream(
        new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file), 1 << 16), 1 << 16));
  }
}
