package dev.streamcl.bench;

import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.nmc.NearestClassMean;
import dev.streamcl.learner.nmc.SequentialNmc;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * NMC scoring over a state of 10 classes in dimension 784: the test-then-train kernel
 * ({@code predictThenNormalize}, all samples labelled) and serving ({@code predict}), against
 * {@link SequentialNmc}, which gets the state as the kernel does and scores one sample at a time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class NearestClassMeanBenchmark implements AutoCloseable {
  private static final int SAMPLES_PER_CLASS = 20;

  @Param({"1", "16", "64", "256", "1024"})
  public int batch;

  NearestClassMean kernel;
  ClassMeanState state;
  float[] features;
  int[] labels;

  @Setup
  public void setUp() {
    kernel = new NearestClassMean(BenchmarkInputs.DIM, ComputeDevice.cpu());
    state = learnedState(kernel);
    features = BenchmarkInputs.features(2, batch);
    labels = BenchmarkInputs.labels(3, batch);
  }

  @Override
  @TearDown
  public void close() {
    kernel.close();
  }

  /**
   * Matrix-product FLOPs of one graph call: X·Sᵀ [b,784]x[784,10] plus the prefix products the exact
   * per-sample test-then-train graph also runs in predict: the Gram matrix X·Xᵀ and four [b,b]x[b,10].
   */
  static double graphFlops(int batch) {
    double b = batch;
    int d = BenchmarkInputs.DIM;
    int c = BenchmarkInputs.CLASSES;
    return 2 * b * d * c + 2 * b * b * d + 4 * (2 * b * b * c);
  }

  @Benchmark
  public Predictions predictThenNormalizeOnnx(SampleCounter counter) {
    counter.samples += batch;
    return kernel.predictThenNormalize(state, features, batch, labels);
  }

  @Benchmark
  public List<List<double[]>> predictThenNormalizeJava(SampleCounter counter) {
    counter.samples += batch;
    return javaScores(labels);
  }

  @Benchmark
  public Predictions predictOnnx(SampleCounter counter) {
    counter.samples += batch;
    return kernel.predict(state, features, batch);
  }

  @Benchmark
  public List<List<double[]>> predictJava(SampleCounter counter) {
    counter.samples += batch;
    return javaScores(null);
  }

  /** Top-3 (label, score) per sample; learns the labelled samples in order when labels are given. */
  List<List<double[]>> javaScores(int[] learnLabels) {
    SequentialNmc reference = new SequentialNmc(state);
    List<List<double[]>> scores = new ArrayList<>(batch);
    for (int i = 0; i < batch; i++) {
      int label = learnLabels == null ? NearestClassMean.UNLABELLED : learnLabels[i];
      scores.add(reference.predictThenLearn(features, i * BenchmarkInputs.DIM, label, NearestClassMean.TOP_K));
    }
    return scores;
  }

  // Learned through the kernel itself, as the learner does: predict, then add the normalised features.
  private static ClassMeanState learnedState(NearestClassMean kernel) {
    int n = SAMPLES_PER_CLASS * BenchmarkInputs.CLASSES;
    float[] x = BenchmarkInputs.features(4, n);
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % BenchmarkInputs.CLASSES;
    }
    ClassMeanState learned = new ClassMeanState(BenchmarkInputs.DIM);
    Predictions p = kernel.predictThenNormalize(learned, x, n, y);
    for (int i = 0; i < n; i++) {
      learned.add(p.features(), p.featureOffset(i), y[i]);
    }
    return learned;
  }
}
