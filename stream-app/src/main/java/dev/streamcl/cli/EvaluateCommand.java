package dev.streamcl.cli;

import dev.streamcl.evaluation.ContinualMetrics;
import dev.streamcl.evaluation.EvalResults;
import dev.streamcl.evaluation.EvaluationService;
import dev.streamcl.evaluation.Evaluator;
import dev.streamcl.events.EvalResult;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.scenario.Scenarios;
import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Replays a scenario's test topic from offset 0 through published model versions and writes "
        + "per-task accuracy to <prefix>.eval.")
final class EvaluateCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin EncoderOptions encoding;

  @Parameters(index = "0", description = "Scenario whose test topic to replay, e.g. split-fmnist")
  String scenario;

  @Option(names = "--stream-id", defaultValue = "split-fmnist", description = "Stream id (default: ${DEFAULT-VALUE}).")
  String streamId;

  @Option(names = "--every", defaultValue = "10", description = "Evaluate every K-th version, the last version "
      + "trained through each task, and the newest (default: ${DEFAULT-VALUE}).")
  int every;

  @Option(names = "--label-limit", defaultValue = "" + LearnerJobOptions.DEFAULT_LABEL_LIMIT,
      description = "Number of classes (default: ${DEFAULT-VALUE}).")
  int labelLimit;

  @Option(names = "--follow", description = "Run as a service: follow the model-updates topic and evaluate each "
      + "evaluation point as it is published (and the newest versions whenever the topic goes quiet) until Ctrl-C.")
  boolean follow;

  @Option(names = "--idle-seconds", defaultValue = "30", description = "With --follow: evaluate the newest versions "
      + "once the topic has been quiet this long (default: ${DEFAULT-VALUE}).")
  long idleSeconds;

  private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(30);

  @Override
  public Integer call() throws Exception {
    if (!Scenarios.names().contains(scenario)) {
      throw new UserError("Unknown scenario '" + scenario + "'; known: " + String.join(", ", Scenarios.names()));
    }
    if (follow) {
      return followUntilStopped();
    }
    List<EvalResult> results;
    try (Evaluator evaluator = new Evaluator(kafka.clients(), kafka.topics(), scenario, encoding.encoderSpec(),
        labelLimit)) {
      results = evaluator.evaluate(streamId, every);
    }
    if (results.isEmpty()) {
      throw new UserError("Nothing to evaluate: " + kafka.topics().modelUpdates().name() + " holds no model version of "
          + "stream " + streamId + " (or " + kafka.topics().test(scenario).name() + " no test sample); run `streamcl "
          + "publish " + scenario + "` and `streamcl learn --bounded` first, with the same --topic-prefix");
    }
    for (String learner : new TreeSet<>(results.stream().map(EvalResult::getLearner).toList())) {
      System.out.println(learner);
      Evaluator.byVersion(results, learner).forEach((version, tasks) -> {
        StringBuilder row = new StringBuilder(String.format("  v%-5d", version));
        tasks.forEach((task, accuracy) -> row.append(String.format("  task id %d %6.2f%%", task, 100 * accuracy)));
        System.out.println(row);
      });
    }
    EvalResults read = new EvalResults(results, streamId);
    for (String learner : read.learners()) {
      read.accuracyMatrix(learner).map(ContinualMetrics::summarize).ifPresent(m -> System.out.printf(
          "%-12s final avg accuracy %.2f%%, avg incremental accuracy %.2f%%, forgetting %.2f pp, BWT %.2f pp%n",
          learner, 100 * m.finalAverageAccuracy(), 100 * m.averageIncrementalAccuracy(), 100 * m.averageForgetting(),
          100 * m.backwardTransfer()));
    }
    System.out.println("Wrote " + results.size() + " results to " + kafka.topics().eval().name());
    return 0;
  }

  private int followUntilStopped() throws InterruptedException {
    Evaluator evaluator = new Evaluator(kafka.clients(), kafka.topics(), scenario, encoding.encoderSpec(), labelLimit);
    EvaluationService service = new EvaluationService(kafka.clients(), kafka.topics(), evaluator, streamId, every,
        Duration.ofSeconds(idleSeconds));
    Thread worker = new Thread(service, "streamcl-evaluation");
    // Ctrl-C: let the version being evaluated finish writing before the JVM goes.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      joinQuietly(worker);
    }));
    System.out.println("Evaluating " + streamId + " as versions arrive on " + kafka.topics().modelUpdates().name()
        + "; results go to " + kafka.topics().eval().name() + ". Ctrl-C stops.");
    worker.start();
    worker.join();
    if (service.failure() != null) {
      throw new UserError("The evaluation service stopped: " + service.failure().getMessage());
    }
    return 0;
  }

  private static void joinQuietly(Thread worker) {
    try {
      worker.join(SHUTDOWN_GRACE.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
