package dev.streamcl.cli;

import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "publish", mixinStandardHelpOptions = true,
    description = "Writes a scenario's training stream to the samples topic and its test split to streamcl.test.<scenario>; "
        + "re-running with the same seed never duplicates data.")
final class PublishCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Parameters(index = "0", description = "Scenario: " + SplitFashionMnist.NAME)
  String scenario;

  @Mixin ScenarioOptions scenarioOptions;

  @Option(names = "--no-progress", description = "Do not draw a progress bar.")
  boolean noProgress;

  @Override
  public Integer call() {
    if (!SplitFashionMnist.NAME.equals(scenario)) {
      throw new UserError("Unknown scenario '" + scenario + "'; known: " + SplitFashionMnist.NAME);
    }
    ScenarioPublisher.Report report = new ScenarioPublisher(kafka.clients(), kafka.topics(),
        scenarioOptions.partitions, ScenarioPublisher.DEFAULT_COMMIT_EVERY, !noProgress)
        .publish(scenarioOptions.splitFashionMnist(), scenarioOptions.streamId);
    for (ScenarioPublisher.Counts counts : new ScenarioPublisher.Counts[] {report.training(), report.test()}) {
      System.out.printf("%s: wrote %,d records, skipped %,d already published%n", counts.topic(), counts.written(),
          counts.skipped());
    }
    return 0;
  }
}
