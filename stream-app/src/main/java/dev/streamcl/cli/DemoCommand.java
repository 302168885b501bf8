package dev.streamcl.cli;

import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.report.SummaryTable;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true, modelTransformer = LearnerJobOptions.Transformer.class,
    description = "Publishes Split-Fashion-MNIST, learns it with the Flink job, serves the models and measures "
        + "accuracy on the test split — on an embedded broker unless --bootstrap is given.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--bootstrap", description = "Use this Kafka cluster instead of an embedded broker.")
  String bootstrap;

  @Option(names = "--client-properties", description = "Kafka client properties file for --bootstrap.")
  Path clientProperties;

  @Option(names = "--topic-prefix", defaultValue = "streamcl",
      description = "Topic prefix (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Mixin ScenarioOptions scenario;
  @Mixin CheckpointOptions checkpoints;

  @Option(names = "--joint", description = "Also learn an i.i.d. copy of the stream and report its fine-tuned head as "
      + "'joint', the upper bound (needs finetune in --learners; doubles the job's work).")
  boolean joint;

  @Option(names = "--evaluate-every", defaultValue = "5",
      description = "Evaluate every K-th model version (and every task boundary and the newest)"
          + " (default: ${DEFAULT-VALUE}).")
  int evaluateEvery;

  @Option(names = "--report", defaultValue = "streamcl-report",
      description = "Directory of the HTML report and its PNG charts (default: ${DEFAULT-VALUE}).")
  Path reportDir;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    if (evaluateEvery < 1) {
      throw new UserError("--evaluate-every must be at least 1, got " + evaluateEvery);
    }
    LearnerJobConfig learner = LearnerOptions.config(spec, topicPrefix);
    if (joint && !learner.runs(Demo.FINETUNE)) {
      throw new UserError("--joint reports the fine-tuned head of an i.i.d. stream: add " + Demo.FINETUNE
          + " to --learners");
    }
    if (bootstrap != null) {
      KafkaOptions.requireReachable(new ClientConfigs(bootstrap, ClientConfigs.loadProperties(clientProperties), true));
    }
    Demo.Result result = Demo.run(new Demo.Settings(bootstrap, ClientConfigs.loadProperties(clientProperties),
        topicPrefix, scenario.dataDir, scenario.seed, scenario.streamId, scenario.samplesPerTask,
        scenario.partitions, learner, true, joint, evaluateEvery, reportDir,
        bootstrap == null ? null : checkpoints), out);
    print(result, learner, out);
    out.println();
    out.print(SummaryTable.format(result.report()));
    out.println("Report: " + result.reportHtml().toAbsolutePath());
    return 0;
  }

  private void print(Demo.Result r, LearnerJobConfig learner, PrintStream out) {
    out.println();
    out.println("StreamCL demo — class-incremental Split-Fashion-MNIST, " + learner.encoder() + " encoder, seed "
        + scenario.seed);
    out.printf("  learner job   %,d samples in %.1f s = %,.0f samples/s (parallelism %d)%n", r.learnedSamples(),
        r.jobSeconds(), r.samplesPerSecond(), learner.parallelism());
    r.learners().forEach((name, l) -> out.printf(
        "  %-12s  %d versions published; %,d test requests answered, %,d by the newest version %d%n",
        name, l.modelVersions(), l.answered(), l.answeredByFinalVersion(), l.finalVersion()));
    out.println();
    StringBuilder header = new StringBuilder("  task id  classes  test samples"); // task ids as in the events, from 0
    r.learners().keySet().forEach(name -> header.append(String.format("  %12s", name + " acc.")));
    out.println(header);
    Demo.LearnerResult any = r.learners().values().iterator().next();
    for (int t = 0; t < SplitFashionMnist.TASKS; t++) {
      StringBuilder row = new StringBuilder(String.format("  %-7d  %d,%d      %,12d", t, 2 * t, 2 * t + 1,
          any.countPerTask()[t]));
      final int task = t;
      r.learners().values().forEach(l -> row.append(String.format("  %11.2f%%", 100 * l.taskAccuracy(task))));
      out.println(row);
    }
    StringBuilder all = new StringBuilder(String.format("  all      0-9      %,12d", any.answered()));
    r.learners().values().forEach(l -> all.append(String.format("  %11.2f%%", 100 * l.accuracy())));
    out.println(all);
  }
}
