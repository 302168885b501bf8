package dev.streamcl.bench;

import ai.onnxruntime.OrtEnvironment;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.DeviceUnavailableException;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code ops/bin/gpu-check}: runs the encoder and every learner's kernels ({@link GpuCheckKernels}) on the CPU
 * and on a CUDA device, prints per kernel the relative error of the CUDA outputs against the CPU's and the
 * speed-up (best of several timed runs on each), and fails when an error exceeds the tolerance. Where CUDA
 * cannot be used it fails at once with the message that says why and what to do.
 */
@Command(name = "gpu-check", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Compares every kernel's outputs on a CUDA device with the CPU's and prints the speed-up.",
        "Exit code: 0 all agree, 1 an error above the tolerance, 2 bad options, 3 the CUDA device cannot be used,"
            + " 4 another failure (stack trace printed)."})
public final class GpuCheck implements Callable<Integer> {
  static final int DISAGREE = 1;
  static final int DEVICE_UNAVAILABLE = 3;
  static final int FAILED = 4;
  /** Untimed runs after the first (whose outcome is compared): early CUDA runs allocate memory and handles. */
  private static final int WARMUP_RUNS = 1;

  @Spec
  CommandSpec spec;

  @Option(names = "--device", defaultValue = "cuda:0",
      description = "CUDA device to check (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--batch", defaultValue = "256", description = "Images per kernel call (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--runs", defaultValue = "5",
      description = "Timed runs per kernel and device; the best counts (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--tolerance", defaultValue = "1e-4",
      description = "Largest relative error max|cuda - cpu| / max|cpu| allowed (default: ${DEFAULT-VALUE}).")
  double tolerance;

  @Option(names = "--seed", defaultValue = "7", description = "Seed of the random images (default: ${DEFAULT-VALUE}).")
  long seed;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new GpuCheck()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof DeviceUnavailableException) {
        cmd.getErr().println(e.getMessage());
        return DEVICE_UNAVAILABLE;
      }
      e.printStackTrace(cmd.getErr());
      return FAILED;
    });
  }

  @Override
  public Integer call() {
    ComputeDevice cuda = ComputeDevice.parse(device, false);
    if (!cuda.isCuda() || runs < 1) {
      throw new ParameterException(spec.commandLine(), "gpu-check compares the CPU with a CUDA device:"
          + " give --device cuda:N and --runs of at least 1");
    }
    requireUsable(cuda);
    return check(ComputeDevice.cpu(), cuda, spec.commandLine().getOut()) ? 0 : DISAGREE;
  }

  /** Every kernel on both devices; prints one row each and returns whether all agree within the tolerance. */
  boolean check(ComputeDevice reference, ComputeDevice candidate, PrintWriter out) {
    List<GpuCheckKernels.KernelCase> kernels = GpuCheckKernels.all(batch, seed);
    out.printf("ONNX Runtime %s: %s against %s (%s: one intra-op thread per session, as the learner job runs it);"
        + " batch %d, best of %d runs%n", OrtEnvironment.getEnvironment().getVersion(), candidate, reference,
        reference, batch, runs);
    out.printf("%-22s %14s  %-14s %11s %11s %9s%n", "kernel", "rel. error", "worst output",
        reference + " ms", candidate + " ms", "speed-up");
    int disagreeing = 0;
    for (GpuCheckKernels.KernelCase kernel : kernels) {
      Measured expected = measure(kernel, reference);
      Measured actual = measure(kernel, candidate);
      OutputAgreement agreement = actual.outcome().against(expected.outcome());
      boolean agrees = agreement.relativeError() <= tolerance;
      disagreeing += agrees ? 0 : 1;
      out.printf("%-22s %14.2e  %-14s %11.3f %11.3f %8.1fx%s%s%n", kernel.name(), agreement.relativeError(),
          agreement.worstOutput(), expected.bestMillis(), actual.bestMillis(),
          expected.bestMillis() / actual.bestMillis(), agrees ? "" : "  ABOVE " + tolerance,
          agreement.reorderedSamples() == 0 ? ""
              : "  (" + agreement.reorderedSamples() + " samples' top-k in another order: near ties)");
      out.flush();
    }
    out.println(disagreeing == 0
        ? "All " + kernels.size() + " kernels agree within a relative error of " + tolerance + "."
        : disagreeing + " of " + kernels.size() + " kernels differ by more than " + tolerance + ".");
    return disagreeing == 0;
  }

  // Fails fast, before the CPU runs, when CUDA cannot be used: the one-pixel encoder opens a session there.
  private static void requireUsable(ComputeDevice cuda) {
    EncoderSpec.pixels(new int[] {1, 1}, cuda).open().close();
  }

  private record Measured(GpuCheckKernels.Outcome outcome, double bestMillis) {}

  // The first run's outcome is the one compared (every run starts from the same state and inputs).
  private Measured measure(GpuCheckKernels.KernelCase kernel, ComputeDevice on) {
    try (GpuCheckKernels.Trial trial = kernel.open().apply(on)) {
      trial.reset();
      trial.run();
      GpuCheckKernels.Outcome outcome = trial.outcome();
      double best = Double.POSITIVE_INFINITY;
      for (int run = 0; run < WARMUP_RUNS + runs; run++) {
        trial.reset();
        long start = System.nanoTime();
        trial.run();
        double millis = (System.nanoTime() - start) / 1e6;
        best = run < WARMUP_RUNS ? best : Math.min(best, millis);
      }
      return new Measured(outcome, best);
    }
  }
}
