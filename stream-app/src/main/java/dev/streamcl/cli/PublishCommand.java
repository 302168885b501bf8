package dev.streamcl.cli;

import dev.streamcl.scenario.Scenario;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.Scenarios;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "publish", mixinStandardHelpOptions = true,
    description = "Writes a scenario's training stream to the samples topic and its test split to"
        + " streamcl.test.<scenario>; re-running with the same seed never duplicates data.")
final class PublishCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Parameters(index = "0", description = "Scenario: split-fmnist (class-incremental), permuted-fmnist "
      + "(domain-incremental), blurry-fmnist (task-free, gradual boundaries)")
  String scenario;

  @Mixin ScenarioOptions scenarioOptions;

  @Option(names = "--key-init-samples", defaultValue = "10000",
      description = "Also write N unlabelled training samples drawn from all classes to <prefix>.key-init, where"
          + " KVB fits its keys (default: ${DEFAULT-VALUE}, what KVB's default preset uses; 0: none).")
  int keyInitSamples;

  @Option(names = "--no-progress", description = "Do not draw a progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    if (!Scenarios.names().contains(scenario)) {
      throw new UserError("Unknown scenario '" + scenario + "'; known: " + String.join(", ", Scenarios.names()));
    }
    ScenarioPublisher publisher = new ScenarioPublisher(kafka.clients(), kafka.topics(), scenarioOptions.partitions,
        ScenarioPublisher.DEFAULT_COMMIT_EVERY, !noProgress);
    Scenario chosen = scenarioOptions.scenario(scenario);
    ScenarioPublisher.Report report = publisher.publish(chosen, scenarioOptions.streamId);
    print(report.training());
    print(report.test());
    if (keyInitSamples > 0) {
      print(publisher.publishUnlabelled(chosen, scenarioOptions.streamId, kafka.topics().keyInit().name(),
          keyInitSamples));
    }
    return 0;
  }

  private static void print(ScenarioPublisher.Counts counts) {
    System.out.printf("%s: wrote %,d records, skipped %,d already published%n", counts.topic(), counts.written(),
        counts.skipped());
  }
}
