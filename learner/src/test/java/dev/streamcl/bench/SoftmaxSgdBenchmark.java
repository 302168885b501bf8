package dev.streamcl.bench;

import dev.streamcl.learner.replay.JavaSoftmaxSgd;
import dev.streamcl.learner.replay.SoftmaxHead;
import dev.streamcl.learner.replay.SoftmaxSgdKernel;
import dev.streamcl.onnx.ComputeDevice;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** One SGD step of a 10-class softmax head over 784 features, against {@link JavaSoftmaxSgd}. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class SoftmaxSgdBenchmark implements AutoCloseable {
  static final float LEARNING_RATE = 0.05f;

  @Param({"1", "16", "64", "256", "1024"})
  public int batch;

  SoftmaxSgdKernel kernel;
  SoftmaxHead onnxHead;
  SoftmaxHead javaHead;
  float[] features;
  int[] labels;

  @Setup
  public void setUp() {
    kernel = new SoftmaxSgdKernel(BenchmarkInputs.DIM, ComputeDevice.cpu());
    int[] classes = IntStream.range(0, BenchmarkInputs.CLASSES).toArray();
    float[] weights = BenchmarkInputs.gaussians(9, classes.length * BenchmarkInputs.DIM, 0.1);
    onnxHead = SoftmaxHead.of(BenchmarkInputs.DIM, classes, weights, BenchmarkInputs.gaussians(10, classes.length, 1));
    javaHead = onnxHead.copy();
    features = BenchmarkInputs.features(11, batch);
    labels = BenchmarkInputs.labels(12, batch);
  }

  @Override
  @TearDown
  public void close() {
    kernel.close();
  }

  /** Logits [b,784]x[784,10] and the weight gradient [10,b]x[b,784]. */
  static double graphFlops(int batch) {
    return 2 * (2.0 * batch * BenchmarkInputs.DIM * BenchmarkInputs.CLASSES);
  }

  /** The loss before the step; the step itself updates the head. */
  @Benchmark
  public float stepOnnx(SampleCounter counter) {
    counter.samples += batch;
    return kernel.step(onnxHead, features, batch, labels, LEARNING_RATE);
  }

  @Benchmark
  public float stepJava(SampleCounter counter) {
    counter.samples += batch;
    return JavaSoftmaxSgd.step(javaHead, features, batch, labels, LEARNING_RATE);
  }
}
