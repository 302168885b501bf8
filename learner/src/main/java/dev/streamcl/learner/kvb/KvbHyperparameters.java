package dev.streamcl.learner.kvb;

import java.io.Serializable;

/**
 * Hyperparameters of a discrete key-value bottleneck (Träuble et al., ICML 2023, "Discrete Key-Value
 * Bottleneck"): {@code codebooks} (C) random projections of the features to {@code keyDim} (dk)
 * dimensions, each with {@code keysPerCodebook} (K) frozen keys; per input the {@code topK} nearest
 * keys of every codebook fetch value vectors of dimension {@code classes}; values learn by SGD with
 * {@code learningRate} and {@code labelSmoothing}. {@code seed} fixes the projections and the key
 * initialisation; {@code emaDecay}, {@code deadKeyFactor} and {@code keyInitSamples} (N unlabelled
 * samples) drive the EMA k-means that initialises the keys.
 *
 * <p>Cost per sample ∝ C·K·dk (distances to the keys) + d·C·dk (projection of d features); memory
 * C·K·(dk + classes) floats (keys + values), and every training micro-batch moves the C·K·classes
 * values into and out of ONNX Runtime.
 */
public record KvbHyperparameters(int codebooks, int keysPerCodebook, int keyDim, int topK, int classes,
    double learningRate, double labelSmoothing, long seed, double emaDecay, double deadKeyFactor,
    int keyInitSamples) implements Serializable {
  public static final double DEFAULT_EMA_DECAY = 0.95;
  public static final double DEFAULT_DEAD_KEY_FACTOR = 0.1;
  private static final int FASHION_MNIST_CLASSES = 10;

  public KvbHyperparameters {
    requirePositive("codebooks", codebooks);
    requirePositive("keysPerCodebook", keysPerCodebook);
    requirePositive("keyDim", keyDim);
    requirePositive("classes", classes);
    requirePositive("keyInitSamples", keyInitSamples);
    if (topK < 1 || topK > keysPerCodebook) {
      throw new IllegalArgumentException("topK must be in [1, keysPerCodebook=" + keysPerCodebook + "], got " + topK);
    }
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
      throw new IllegalArgumentException("labelSmoothing must be in [0, 1), got " + labelSmoothing);
    }
    if (!(emaDecay > 0 && emaDecay < 1)) {
      throw new IllegalArgumentException("emaDecay must be in (0, 1), got " + emaDecay);
    }
    if (!(deadKeyFactor >= 0 && deadKeyFactor < 1)) {
      throw new IllegalArgumentException("deadKeyFactor must be in [0, 1), got " + deadKeyFactor);
    }
    if ((long) codebooks * keysPerCodebook * Math.max(keyDim, classes) > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("C·K·max(dk, classes) must fit a Java array, got " + codebooks + " x "
          + keysPerCodebook + " x " + Math.max(keyDim, classes));
    }
  }

  /**
   * The paper's setting: 256 codebooks × 4096 keys of dimension 14, top-1, SGD lr 0.3, label
   * smoothing 0.1 (the paper's batch of 256 is the job's micro-batch size, not part of this config),
   * 10 classes. About 59 MB of keys and 42 MB of values: meant for a GPU. Key init from 100,000
   * samples (our choice) costs about 1.8 T multiply-adds in {@link EmaKMeans}' plain Java.
   */
  public static KvbHyperparameters paper() {
    return new KvbHyperparameters(256, 4096, 14, 1, FASHION_MNIST_CLASSES, 0.3, 0.1, 42L, DEFAULT_EMA_DECAY,
        DEFAULT_DEAD_KEY_FACTOR, 100_000);
  }

  /**
   * Sized for a 2-core CPU: 64 codebooks × 512 keys of dimension 14, top-1, lr 0.3, label smoothing
   * 0.1. For Fashion-MNIST pixels (d = 784) a sample costs about 64·512·14 ≈ 0.46 M multiply-adds for
   * the distances plus 784·64·14 ≈ 0.70 M for the projection, so 60,000 samples are about 70 G
   * multiply-adds: seconds on one core in ONNX Runtime, 32× less than the paper's distance cost. The
   * state is 64·512·(14 + 10) ≈ 0.79 M floats (3 MB), so copying the 1.3 MB of values per micro-batch
   * stays cheap. Keys are initialised from 10,000 unlabelled samples. Measured on the 2-core
   * development machine with raw Fashion-MNIST pixels (d = 784): key init 6 s, one test-then-train
   * pass over the 60,000 training samples in micro-batches of 256 about 7 s (one intra-op thread).
   */
  public static KvbHyperparameters defaults() {
    return new KvbHyperparameters(64, 512, 14, 1, FASHION_MNIST_CLASSES, 0.3, 0.1, 42L, DEFAULT_EMA_DECAY,
        DEFAULT_DEAD_KEY_FACTOR, 10_000);
  }

  /**
   * Between the two: 128 codebooks × 2048 keys (8× the distance cost of {@link #defaults()}); on the
   * same machine key init from 30,000 samples takes about 90 s (plain Java) and the training pass 24 s.
   */
  public static KvbHyperparameters larger() {
    return new KvbHyperparameters(128, 2048, 14, 1, FASHION_MNIST_CLASSES, 0.3, 0.1, 42L, DEFAULT_EMA_DECAY,
        DEFAULT_DEAD_KEY_FACTOR, 30_000);
  }

  public KvbHyperparameters withClasses(int newClasses) {
    return new KvbHyperparameters(codebooks, keysPerCodebook, keyDim, topK, newClasses, learningRate, labelSmoothing,
        seed, emaDecay, deadKeyFactor, keyInitSamples);
  }

  public KvbHyperparameters withSeed(long newSeed) {
    return new KvbHyperparameters(codebooks, keysPerCodebook, keyDim, topK, classes, learningRate, labelSmoothing,
        newSeed, emaDecay, deadKeyFactor, keyInitSamples);
  }

  public KvbHyperparameters withTopK(int newTopK) {
    return new KvbHyperparameters(codebooks, keysPerCodebook, keyDim, newTopK, classes, learningRate, labelSmoothing,
        seed, emaDecay, deadKeyFactor, keyInitSamples);
  }

  /** Value rows: one per key of every codebook, row = c·K + key. */
  public int valueRows() {
    return codebooks * keysPerCodebook;
  }

  /** Width of the projected features: C·dk. */
  public int projectedDim() {
    return codebooks * keyDim;
  }

  private static void requirePositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
