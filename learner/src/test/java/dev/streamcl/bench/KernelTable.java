package dev.streamcl.bench;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntToDoubleFunction;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;

/**
 * The kernel benchmarks' results as one table: per kernel and batch size the ONNX and Java samples/s,
 * their ratio, the ONNX graph's achieved matrix-product GFLOP/s where it has matrix products, and the
 * ceiling: the best one-thread {@link GemmBenchmark} iteration (the kernels run on one intra-op thread;
 * the best, not the mean, because other load on a shared machine only ever slows an iteration down).
 */
final class KernelTable {
  private static final String ROW = "%-26s %6s %15s %15s %10s %9s %9s%n";
  private static final String NONE = "-";
  private static final String NOTES = "%nGFLOP/s: matrix products the ONNX graph runs, per second. nmc's graph"
      + " also runs the b x b Gram and prefix%nproducts of exact per-sample test-then-train, in predict too;"
      + " its [b,784]x[784,10] scoring is 2*784*10 FLOP per sample.%nCeiling: best iteration of the ONNX MatMul"
      + " on one intra-op thread, as every kernel runs; %d processors available.%n";
  /** Benchmark class → kernel name in the table. */
  private static final Map<String, String> KERNELS = Map.of(
      EncoderBenchmark.class.getSimpleName(), "encoder",
      NearestClassMeanBenchmark.class.getSimpleName(), "nmc",
      KeyValueBottleneckBenchmark.class.getSimpleName(), "kvb",
      SoftmaxSgdBenchmark.class.getSimpleName(), "sgd");
  /** Benchmark class → matrix-product FLOPs of one ONNX call at a batch size. */
  private static final Map<String, IntToDoubleFunction> GRAPH_FLOPS = Map.of(
      NearestClassMeanBenchmark.class.getSimpleName(), NearestClassMeanBenchmark::graphFlops,
      KeyValueBottleneckBenchmark.class.getSimpleName(), KeyValueBottleneckBenchmark::graphFlops,
      SoftmaxSgdBenchmark.class.getSimpleName(), SoftmaxSgdBenchmark::graphFlops);

  /** One table row: a kernel operation at one batch size, or a GEMM (NaN where not measured). */
  private static final class Row {
    final String kernel;
    final String batch;
    double onnxSamples = Double.NaN;
    double javaSamples = Double.NaN;
    double gflops = Double.NaN;

    Row(String kernel, String batch) {
      this.kernel = kernel;
      this.batch = batch;
    }
  }

  private final Map<String, Row> rows = new TreeMap<>(); // GEMM rows sort after the kernels
  private double ceiling = Double.NaN;

  KernelTable(Collection<RunResult> results) {
    results.forEach(this::add);
  }

  String render() {
    StringBuilder table = new StringBuilder(String.format(ROW, "kernel", "batch", "ONNX samples/s",
        "Java samples/s", "ONNX/Java", "GFLOP/s", "ceiling"));
    rows.values().forEach(row -> table.append(String.format(ROW, row.kernel, row.batch, rate(row.onnxSamples),
        rate(row.javaSamples), ratio(row.onnxSamples / row.javaSamples), gflops(row.gflops), gflops(ceiling))));
    return table.append(String.format(NOTES, Runtime.getRuntime().availableProcessors())).toString();
  }

  private void add(RunResult result) {
    BenchmarkParams params = result.getParams();
    String name = params.getBenchmark();
    String method = name.substring(name.lastIndexOf('.') + 1);
    String benchmarkClass = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1, name.lastIndexOf('.'));
    if (benchmarkClass.equals(GemmBenchmark.class.getSimpleName())) {
      addGemm(params, result.getPrimaryResult());
    } else if (KERNELS.containsKey(benchmarkClass)) {
      addKernel(benchmarkClass, method, Integer.parseInt(params.getParam("batch")), samplesPerSecond(result));
    }
  }

  private void addGemm(BenchmarkParams params, Result<?> callsPerSecond) {
    int size = Integer.parseInt(params.getParam("size"));
    int threads = GemmBenchmark.threadCount(params.getParam("threads"));
    Row row = new Row(String.format("gemm %dx%d, %d thread%s", size, size, threads, threads == 1 ? "" : "s"), NONE);
    row.gflops = callsPerSecond.getScore() * GemmBenchmark.flops(size) / 1e9;
    rows.put(String.format("~gemm %05d %03d", size, threads), row);
    double best = callsPerSecond.getStatistics().getMax() * GemmBenchmark.flops(size) / 1e9;
    if (threads == 1 && (Double.isNaN(ceiling) || best > ceiling)) {
      ceiling = best;
    }
  }

  // Method names are <operation>Onnx and <operation>Java.
  private void addKernel(String benchmarkClass, String method, int batch, double samplesPerSecond) {
    boolean onnx = method.endsWith("Onnx");
    String operation = method.substring(0, method.length() - "Onnx".length());
    String kernel = KERNELS.get(benchmarkClass) + " " + operation;
    Row row = rows.computeIfAbsent(String.format("%s %05d", kernel, batch), key -> new Row(kernel, "" + batch));
    if (onnx) {
      row.onnxSamples = samplesPerSecond;
      IntToDoubleFunction flops = GRAPH_FLOPS.get(benchmarkClass);
      row.gflops = flops == null ? Double.NaN : samplesPerSecond / batch * flops.applyAsDouble(batch) / 1e9;
    } else {
      row.javaSamples = samplesPerSecond;
    }
  }

  private static double samplesPerSecond(RunResult result) {
    Result<?> samples = result.getSecondaryResults().get("samples");
    if (samples == null) {
      throw new IllegalStateException(result.getParams().getBenchmark() + " reports no samples/s");
    }
    return samples.getScore();
  }

  private static String rate(double value) {
    return Double.isNaN(value) ? NONE : String.format("%,.0f", value);
  }

  private static String ratio(double value) {
    return Double.isNaN(value) ? NONE : String.format("%.2f", value);
  }

  private static String gflops(double value) {
    return Double.isNaN(value) ? NONE : String.format("%.2f", value);
  }
}
