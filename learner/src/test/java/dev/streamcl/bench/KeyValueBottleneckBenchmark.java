package dev.streamcl.bench;

import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckKernel;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.kvb.KvbReference;
import dev.streamcl.onnx.ComputeDevice;
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
 * KVB at the learner's default settings (64 codebooks x 512 keys of dimension 14, top-1, 10 classes)
 * over 784 features: the lookup (forward) and the test-then-train step, against {@link KvbReference}.
 * The lookup reads random values; the step starts from zero values, as a fresh learner does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class KeyValueBottleneckBenchmark implements AutoCloseable {
  static final KvbHyperparameters CONFIG = KvbHyperparameters.defaults();

  @Param({"1", "16", "64", "256", "1024"})
  public int batch;

  KeyValueBottleneckKernel kernel;
  KvbReference reference;
  KeyValueBottleneck lookupState;
  float[] lookupValues;
  KeyValueBottleneck trainState;
  float[] javaTrainValues;
  float[] features;
  int[] labels;

  @Setup
  public void setUp() {
    float[] keys = BenchmarkInputs.gaussians(5, CONFIG.valueRows() * CONFIG.keyDim(), 4);
    lookupValues = BenchmarkInputs.gaussians(6, CONFIG.valueRows() * CONFIG.classes(), 1);
    lookupState = KeyValueBottleneck.of(CONFIG, BenchmarkInputs.DIM, keys, lookupValues, 0, 0);
    trainState = KeyValueBottleneck.withKeys(CONFIG, BenchmarkInputs.DIM, keys);
    javaTrainValues = trainState.values();
    kernel = new KeyValueBottleneckKernel(lookupState, ComputeDevice.cpu());
    reference = new KvbReference(lookupState);
    features = BenchmarkInputs.features(7, batch);
    labels = BenchmarkInputs.labels(8, batch);
  }

  @Override
  @TearDown
  public void close() {
    kernel.close();
  }

  /** Matrix-product FLOPs of the lookup: projection [b,784]x[784,C·dk] and per codebook [b,dk]x[dk,K]. */
  static double graphFlops(int batch) {
    double b = batch;
    return 2 * b * BenchmarkInputs.DIM * CONFIG.projectedDim()
        + 2 * b * CONFIG.codebooks() * CONFIG.keyDim() * (double) CONFIG.keysPerCodebook();
  }

  @Benchmark
  public KeyValueBottleneckKernel.Forward lookupOnnx(SampleCounter counter) {
    counter.samples += batch;
    return kernel.forward(lookupState, features, batch);
  }

  /** Class probabilities [batch, classes] of every sample. */
  @Benchmark
  public double[][] lookupJava(SampleCounter counter) {
    counter.samples += batch;
    double[][] probabilities = new double[batch][];
    for (int b = 0; b < batch; b++) {
      probabilities[b] = reference.probabilities(lookupValues, features, b);
    }
    return probabilities;
  }

  @Benchmark
  public Predictions updateOnnx(SampleCounter counter) {
    counter.samples += batch;
    return kernel.trainStep(trainState, features, batch, labels);
  }

  @Benchmark
  public float[] updateJava(SampleCounter counter) {
    counter.samples += batch;
    javaTrainValues = reference.sgdStep(javaTrainValues, features, batch, labels);
    return javaTrainValues;
  }
}
