package dev.streamcl.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every kernel benchmark of this package and prints one table (see {@link KernelTable}).
 *
 * <p>Usage: {@code KernelBenchmarks [--quick] [JMH options]}, e.g. {@code -rf json -rff kernels.json}
 * or {@code -p batch=16,256}. Defaults: one fork per benchmark, warmup 2 x 1 s, measurement 3 x 1 s.
 * {@code --quick} runs in this JVM (no forks: starting 64 JVMs that each load ONNX Runtime takes minutes
 * on two cores; the price is that benchmarks share one JIT profile), warmup 1 x 0.3 s, measurement
 * 2 x 0.5 s. JMH options given on the command line win over both.
 */
public final class KernelBenchmarks {
  private KernelBenchmarks() {}

  public static void main(String[] args) throws Exception {
    List<String> jmhArgs = new ArrayList<>(Arrays.asList(args));
    boolean quick = jmhArgs.remove("--quick");
    CommandLineOptions cli = new CommandLineOptions(jmhArgs.toArray(String[]::new));
    if (cli.shouldHelp()) {
      System.out.println("Usage: KernelBenchmarks [--quick] [JMH options]");
      cli.showHelp();
      return;
    }
    Collection<RunResult> results = new Runner(options(cli, quick)).run();
    System.out.println();
    System.out.print(new KernelTable(results).render());
  }

  static Options options(CommandLineOptions cli, boolean quick) {
    ChainedOptionsBuilder options = new OptionsBuilder().parent(cli);
    if (cli.getIncludes().isEmpty()) {
      options.include(KernelBenchmarks.class.getPackageName().replace(".", "\\.") + "\\.");
    }
    if (!cli.getForkCount().hasValue()) {
      options.forks(quick ? 0 : 1);
    }
    if (!cli.getWarmupIterations().hasValue()) {
      options.warmupIterations(quick ? 1 : 2);
    }
    if (!cli.getWarmupTime().hasValue()) {
      options.warmupTime(quick ? TimeValue.milliseconds(300) : TimeValue.seconds(1));
    }
    if (!cli.getMeasurementIterations().hasValue()) {
      options.measurementIterations(quick ? 2 : 3);
    }
    if (!cli.getMeasurementTime().hasValue()) {
      options.measurementTime(quick ? TimeValue.milliseconds(500) : TimeValue.seconds(1));
    }
    return options.build();
  }
}
