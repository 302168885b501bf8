package dev.streamcl.cli;

import dev.streamcl.bench.Bench;
import dev.streamcl.bench.ClusterBench;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.scenario.FashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, modelTransformer = LearnerJobOptions.Transformer.class,
    description = "Measures the learners alone and the whole pipeline on an embedded broker and prints one table "
        + "(also written as JSON).")
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--data-dir", description = "Fashion-MNIST directory (default: /usr/share/datasets/fashion-mnist).")
  Path dataDir = FashionMnist.DEFAULT_DIR;

  @Option(names = "--seed", defaultValue = "42", description = "Order within each task (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--quick", description = "A shorter run (one pass of the stream, NMC and all learners end to end).")
  boolean quick;

  @Option(names = "--json", defaultValue = "streamcl-bench.json",
      description = "Where the figures go as JSON (default: ${DEFAULT-VALUE}).")
  Path json;

  @Option(names = "--cluster", description = "Measure the learner job on the multi-process local cluster instead: 1 "
      + "and 2 TaskManagers; 1, 2 and 4 streams; one stream spread over 2 and 4 subtasks.")
  boolean cluster;

  @Option(names = "--work-dir", description = "Broker data, checkpoints and job logs (default: a temporary folder).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    LearnerJobConfig config = LearnerOptions.config(spec, "bench");
    Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("streamcl-bench");
    System.out.println("Work folder (broker data, job logs): " + work);
    if (cluster) {
      List<ClusterBench.Row> rows = ClusterBench.run(new ClusterBench.Settings(LearnerJobOptions.values(spec), dataDir,
          quick ? 1_000 : 2_000, work), System.out);
      ClusterBench.print(rows, System.out);
      return 0;
    }
    Bench.Result result = Bench.run(new Bench.Settings(dataDir, seed, quick, config.learners(),
        config, forwardedJobOptions(), work), System.out);
    Bench.print(result, System.out);
    Files.writeString(json, Bench.json(result));
    System.out.println("Figures: " + json.toAbsolutePath());
    return 0;
  }

  /** The learner-job options given on this command line, passed on to every job the bench starts. */
  private List<String> forwardedJobOptions() {
    List<String> names = LearnerJobOptions.all().stream().map(o -> o.name()).toList();
    List<String> forwarded = new ArrayList<>();
    for (OptionSpec option : spec.commandLine().getParseResult().matchedOptions()) {
      if (names.contains(option.longestName()) && !option.longestName().equals(LearnerJobOptions.LEARNERS)) {
        forwarded.add(option.longestName());
        if (option.arity().max() > 0) {
          forwarded.add(String.valueOf((Object) option.getValue()));
        }
      }
    }
    return forwarded;
  }
}
