package dev.streamcl.bench;

import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.GraphBuilder;
import dev.streamcl.onnx.OnnxKernel;
import java.nio.FloatBuffer;
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
 * The ceiling: an FP32 square matrix product through ONNX Runtime's MatMul, on one intra-op thread
 * (as every kernel runs) and on all cores. Inputs are staged once, so a call is the product alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class GemmBenchmark implements AutoCloseable {
  static final String ALL_CORES = "all";

  @Param({"512", "1024"})
  public int size;

  /** Intra-op threads: a number, or {@value #ALL_CORES} for every available processor. */
  @Param({"1", ALL_CORES})
  public String threads;

  OnnxKernel kernel;

  @Setup
  public void setUp() {
    kernel = new OnnxKernel(graph(size), ComputeDevice.cpu(), threadCount(threads));
    fill(kernel.floatInput("a", size, size), 13);
    fill(kernel.floatInput("b", size, size), 14);
  }

  @Override
  @TearDown
  public void close() {
    kernel.close();
  }

  static double flops(int size) {
    return 2.0 * size * size * size;
  }

  static int threadCount(String threads) {
    return ALL_CORES.equals(threads) ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
  }

  static byte[] graph(int size) {
    return new GraphBuilder("gemm")
        .floatInput("a", size, size)
        .floatInput("b", size, size)
        .node("MatMul", "a", "b").to("c")
        .floatOutput("c", size, size)
        .build();
  }

  @Benchmark
  public long[] matmulOnnx() {
    try (OnnxKernel.Outputs out = kernel.run()) {
      return out.shape("c");
    }
  }

  private static void fill(FloatBuffer buffer, long seed) {
    buffer.put(BenchmarkInputs.gaussians(seed, buffer.remaining(), 1)).rewind();
  }
}
