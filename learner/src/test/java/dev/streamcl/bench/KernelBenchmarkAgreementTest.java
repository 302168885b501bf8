package dev.streamcl.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.OnnxKernel;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Each kernel benchmark's setup and one ONNX and one Java invocation at batch 16: both compute the
 * same thing (relative error at most 1e-4, relative to the largest expected magnitude), so the
 * benchmarks keep measuring what they claim to.
 */
class KernelBenchmarkAgreementTest {
  private static final int BATCH = 16;
  private static final double TOLERANCE = 1e-4;

  private final SampleCounter counter = new SampleCounter();

  @Test
  void encoderOnnxEqualsJavaAndCountsSamples() {
    try (EncoderBenchmark bench = new EncoderBenchmark()) {
      bench.batch = BATCH;
      bench.setUp();
      assertClose(toDoubles(bench.encodeJava(counter)), toDoubles(bench.encodeOnnx(counter)), "features");
      assertEquals(2 * BATCH, counter.samples, "samples counted per call");
    }
  }

  @Test
  void nmcScoresEqualSequentialReference() {
    try (NearestClassMeanBenchmark bench = new NearestClassMeanBenchmark()) {
      bench.batch = BATCH;
      bench.setUp();
      assertSameTopScores(bench.predictThenNormalizeJava(counter), bench.predictThenNormalizeOnnx(counter));
      assertSameTopScores(bench.predictJava(counter), bench.predictOnnx(counter));
    }
  }

  @Test
  void kvbLookupAndStepEqualReference() {
    try (KeyValueBottleneckBenchmark bench = new KeyValueBottleneckBenchmark()) {
      bench.batch = BATCH;
      bench.setUp();
      double[] expected = flatten(bench.lookupJava(counter));
      assertClose(expected, toDoubles(bench.lookupOnnx(counter).probabilities()), "probabilities");
      long distinct = IntStream.range(0, BATCH).mapToDouble(i -> expected[i * BenchmarkInputs.CLASSES]).distinct()
          .count();
      assertTrue(distinct > 1, "probabilities differ between samples, so the comparison above means something");
      // Both steps start from zero values: what they hold afterwards is the step itself.
      bench.updateOnnx(counter);
      double[] step = toDoubles(bench.updateJava(counter));
      assertClose(step, toDoubles(bench.trainState.values()), "values after one step");
      assertTrue(IntStream.range(0, step.length).filter(i -> step[i] != 0).count() >= 10, "the step changed rows");
    }
  }

  @Test
  void sgdStepEqualsReference() {
    try (SoftmaxSgdBenchmark bench = new SoftmaxSgdBenchmark()) {
      bench.batch = BATCH;
      bench.setUp();
      float[] before = bench.onnxHead.weightsView().clone();
      float onnxLoss = bench.stepOnnx(counter);
      float javaLoss = bench.stepJava(counter);
      assertClose(new double[] {javaLoss}, new double[] {onnxLoss}, "loss");
      assertClose(toDoubles(bench.javaHead.weightsView()), toDoubles(bench.onnxHead.weightsView()), "weights");
      assertClose(toDoubles(bench.javaHead.biasView()), toDoubles(bench.onnxHead.biasView()), "bias");
      assertClose(difference(bench.javaHead.weightsView(), before), difference(bench.onnxHead.weightsView(), before),
          "weight step");
    }
  }

  @Test
  void gemmGraphMultipliesTheStagedMatrices() {
    int n = 48;
    try (GemmBenchmark bench = new GemmBenchmark()) {
      bench.size = n;
      bench.threads = "1";
      bench.setUp();
      assertArrayEquals(new long[] {n, n}, bench.matmulOnnx());
      float[] a = new float[n * n];
      float[] b = new float[n * n];
      bench.kernel.floatInput("a", n, n).get(a);
      bench.kernel.floatInput("b", n, n).get(b);
      try (OnnxKernel.Outputs out = bench.kernel.run()) {
        assertClose(product(a, b, n), toDoubles(out.floats("c")), "product");
      }
    }
  }

  private static void assertSameTopScores(List<List<double[]>> expected, Predictions actual) {
    for (int i = 0; i < BATCH; i++) {
      List<double[]> top = expected.get(i);
      assertArrayEquals(top.stream().mapToInt(s -> (int) s[0]).toArray(), actual.topLabels(i), "labels of " + i);
      assertClose(top.stream().mapToDouble(s -> s[1]).toArray(), toDoubles(actual.topScores(i)), "scores of " + i);
    }
  }

  private static void assertClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    double scale = 0;
    double error = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      error = Math.max(error, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(scale > 0, what + ": all zero, nothing compared");
    assertTrue(error <= TOLERANCE * scale, what + ": relative error " + error / scale);
  }

  private static double[] product(float[] a, float[] b, int n) {
    double[] c = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < n; k++) {
        for (int j = 0; j < n; j++) {
          c[i * n + j] += (double) a[i * n + k] * b[k * n + j];
        }
      }
    }
    return c;
  }

  private static double[] difference(float[] after, float[] before) {
    return IntStream.range(0, after.length).mapToDouble(i -> (double) after[i] - before[i]).toArray();
  }

  private static double[] flatten(double[][] rows) {
    return Arrays.stream(rows).flatMapToDouble(Arrays::stream).toArray();
  }

  private static double[] toDoubles(float[] values) {
    return IntStream.range(0, values.length).mapToDouble(i -> values[i]).toArray();
  }
}
