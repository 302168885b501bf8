package dev.streamcl.cli;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Publishes Split-Fashion-MNIST, learns it with the Flink job, serves the models and measures "
        + "accuracy on the test split — on an embedded broker unless --bootstrap is given.")
final class DemoCommand implements Callable<Integer> {
  @Mixin LearnerOptions learner;

  @Option(names = "--bootstrap", description = "Use this Kafka cluster instead of an embedded broker.")
  String bootstrap;

  @Option(names = "--client-properties", description = "Kafka client properties file for --bootstrap.")
  Path clientProperties;

  @Option(names = "--topic-prefix", defaultValue = "streamcl", description = "Topic prefix (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Mixin ScenarioOptions scenario;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    if (bootstrap != null) {
      KafkaOptions.requireReachable(new ClientConfigs(bootstrap, ClientConfigs.loadProperties(clientProperties), true));
    }
    Demo.Result result = Demo.run(new Demo.Settings(bootstrap, ClientConfigs.loadProperties(clientProperties),
        topicPrefix, scenario.dataDir, scenario.seed, scenario.streamId, scenario.samplesPerTask,
        scenario.partitions, learner.config(), true), out);
    print(result, out);
    return 0;
  }

  private void print(Demo.Result r, PrintStream out) {
    out.println();
    out.println("StreamCL demo — class-incremental Split-Fashion-MNIST, " + learner.encoding.encoder + " encoder, seed " + scenario.seed);
    out.printf("  learner job   %,d samples in %.1f s = %,.0f samples/s (parallelism %d)%n", r.learnedSamples(),
        r.jobSeconds(), r.samplesPerSecond(), learner.parallelism);
    out.printf("  nmc models    %d versions published; newest: version %d%n", r.modelVersions(), r.finalVersion());
    out.printf("  serving       %,d test requests answered, %,d of them by version %d%n", r.answered(),
        r.answeredByFinalVersion(), r.finalVersion());
    out.println();
    out.println("  task  classes  test samples  nmc accuracy");
    for (int t = 0; t < SplitFashionMnist.TASKS; t++) {
      out.printf("  %-4d  %d,%d      %,12d  %11.2f%%%n", t + 1, 2 * t, 2 * t + 1, r.countPerTask()[t],
          100 * r.taskAccuracy(t));
    }
    out.printf("  all   0-9      %,12d  %11.2f%%%n", r.answered(), 100 * r.accuracy());
  }
}
