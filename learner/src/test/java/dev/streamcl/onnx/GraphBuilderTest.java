package dev.streamcl.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.ModelBytes;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {
  private static final int IN = 5;
  private static final int OUT = 3;

  /** y = relu(x Wᵀ + b) and argmax(y): Gemm with a transposed constant, broadcasting, an int64 output. */
  private static byte[] denseLayer(float[] weights, float[] bias) {
    return new GraphBuilder("dense")
        .floatInput("x", "batch", IN)
        .constant("w", weights, OUT, IN)
        .constant("b", bias, OUT)
        .node("Gemm", "x", "w", "b").attr("transB", 1).to("linear")
        .node("Relu", "linear").to("y")
        .node("ArgMax", "y").attr("axis", 1).attr("keepdims", 0).to("best")
        .floatOutput("y", "batch", OUT)
        .int64Output("best", "batch")
        .build();
  }

  @Test
  void gemmGraphMatchesJavaAcrossGrowingAndShrinkingBatches() {
    Random random = new Random(7);
    float[] w = gaussian(random, OUT * IN);
    float[] b = gaussian(random, OUT);
    try (OnnxKernel kernel = new OnnxKernel(denseLayer(w, b), ComputeDevice.cpu())) {
      for (int batch : new int[] {1, 4, 17, 2, 33, 1}) {
        float[] x = gaussian(random, batch * IN);
        kernel.feed("x", x, batch, IN);
        try (OnnxKernel.Outputs out = kernel.run()) {
          float[] y = out.floats("y");
          long[] best = out.longs("best");
          assertArrayEquals(new long[] {batch, OUT}, out.shape("y"));
          for (int i = 0; i < batch; i++) {
            int expectedBest = 0;
            for (int o = 0; o < OUT; o++) {
              double linear = b[o];
              for (int k = 0; k < IN; k++) {
                linear += (double) x[i * IN + k] * w[o * IN + k];
              }
              assertEquals(Math.max(0, linear), y[i * OUT + o], 1e-5, "batch " + batch + " row " + i + " col " + o);
              expectedBest = y[i * OUT + o] > y[i * OUT + expectedBest] ? o : expectedBest;
            }
            assertEquals(expectedBest, best[i]);
          }
        }
      }
    }
  }

  @Test
  void int64InputsAndInPlaceFloatBuffersFeedTheGraph() {
    byte[] model = new GraphBuilder("gather")
        .floatInput("table", "rows", 2)
        .int64Input("index", "n")
        .node("Gather", "table", "index").attr("axis", 0).to("picked")
        .floatOutput("picked", "n", 2)
        .build();
    try (OnnxKernel kernel = new OnnxKernel(model, ComputeDevice.cpu())) {
      kernel.floatInput("table", 3, 2).put(new float[] {10, 11, 20, 21, 30, 31});
      kernel.feed("index", new long[] {2, 0, 2}, 3);
      try (OnnxKernel.Outputs out = kernel.run()) {
        assertArrayEquals(new float[] {30, 31, 10, 11, 30, 31}, out.floats("picked"));
      }
    }
  }

  @Test
  void buildRejectsUndefinedAndDuplicateNames() {
    GraphBuilder typo = new GraphBuilder("typo").floatInput("x", "batch", 2);
    typo.node("Relu", "xx").to("y").floatOutput("y", "batch", 2);
    IllegalStateException undefined = assertThrows(IllegalStateException.class, typo::build);
    assertTrue(undefined.getMessage().contains("xx"), undefined.getMessage());

    GraphBuilder twice = new GraphBuilder("twice").floatInput("x", 2);
    assertThrows(IllegalArgumentException.class, () -> twice.scalar("x", 1f));
    assertThrows(IllegalArgumentException.class, () -> twice.constant("w", new float[] {1, 2, 3}, 2, 2));
  }

  /**
   * This machine has no CUDA: with the CPU jar the provider is missing, with the gpu profile's jar its CUDA
   * libraries are. Either way the failure is one line saying what is wrong and every way out.
   */
  @Test
  void cudaWithoutProviderFailsClearlyUnlessFallbackIsAllowed() {
    byte[] model = denseLayer(new float[OUT * IN], new float[OUT]);
    DeviceUnavailableException failure = assertThrows(DeviceUnavailableException.class,
        () -> new OnnxKernel(model, ComputeDevice.parse("cuda:0", false)).close());
    String message = failure.getMessage();
    System.out.println("Asking for cuda:0 on this machine: " + message);
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.startsWith("ONNX Runtime cannot use cuda:0: "), message);
    boolean cpuOnlyJar = message.contains("CPU-only build");
    assertTrue(cpuOnlyJar || message.contains("CUDA execution provider did not load"), message);
    assertTrue(!cpuOnlyJar || message.contains("mvn -Pgpu"), message);
    assertTrue(Pattern.compile("CUDA \\d+ and cuDNN \\d+").matcher(message).find(), message);
    assertTrue(message.contains("--device cpu") && message.contains("--cpu-fallback"), message);

    try (OnnxKernel kernel = new OnnxKernel(model, ComputeDevice.parse("cuda:0", true))) {
      assertEquals(ComputeDevice.cpu(), kernel.device());
    }
  }

  @Test
  void aGpuThatCannotHoldASessionIsNamedWithWhatToCheck() {
    String ortMessage = "CUDA failure 100: no CUDA-capable device is detected ;\n"
        + "GPU=3 ; expr=cudaSetDevice(info_.device_id);";
    DeviceUnavailableException failure = assertThrows(DeviceUnavailableException.class,
        () -> ComputeDevice.cuda(3, false).sessionFailed(ortMessage));
    String message = failure.getMessage();
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.contains("no CUDA-capable device is detected"), message);
    assertTrue(message.contains("GPU 3 exists (nvidia-smi -L"), message);
    assertTrue(message.contains("--device cpu") && message.contains("--cpu-fallback"), message);

    assertEquals(ComputeDevice.cpu(), ComputeDevice.cuda(3, true).sessionFailed(ortMessage));
  }

  @Test
  void theGpuBuildNamesTheVersionsFromThePom() {
    GpuBuild gpu = GpuBuild.current();
    assertTrue(gpu.onnxRuntimeVersion().matches("\\d+\\.\\d+\\.\\d+"), gpu.toString());
    assertTrue(gpu.hostNeeds().matches("CUDA \\d+ and cuDNN \\d+"), gpu.toString());
  }

  @Test
  void deviceSpecsParse() {
    assertEquals("cpu", ComputeDevice.parse("CPU", false).toString());
    assertEquals(0, ComputeDevice.parse("cuda", false).cudaDeviceId());
    ComputeDevice gpu = ComputeDevice.parse("cuda:2", true);
    assertEquals(2, gpu.cudaDeviceId());
    assertTrue(gpu.isCuda() && gpu.cpuFallback());
    IllegalArgumentException bad =
        assertThrows(IllegalArgumentException.class, () -> ComputeDevice.parse("gpu", false));
    assertTrue(bad.getMessage().contains("cuda:N"), bad.getMessage());
  }

  @Test
  void sha256MatchesTheFipsTestVector() {
    // FIPS 180-2, appendix B.1: SHA-256("abc").
    assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ModelBytes.sha256("abc".getBytes(StandardCharsets.US_ASCII)));
  }

  private static float[] gaussian(Random random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) random.nextGaussian();
    }
    return values;
  }
}
