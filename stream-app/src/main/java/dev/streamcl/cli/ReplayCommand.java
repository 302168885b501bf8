package dev.streamcl.cli;

import dev.streamcl.evaluation.Evaluator;
import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.events.EvalResult;
import dev.streamcl.flink.JobProperties;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaTopics;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Re-runs a finished learner run in a fresh job: the configuration recorded in its model updates, "
        + "the samples topic up to the offsets its final versions learned from, outputs under another topic prefix. "
        + "Then checks that every model update is byte-identical and prints the final per-task accuracies of both.")
final class ReplayCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin CheckpointOptions checkpoints;

  @Parameters(index = "0", description = "Scenario whose test topic to evaluate on, e.g. split-fmnist")
  String scenario;

  @Option(names = "--into", description = "Topic prefix of the replay's outputs (default: <topic-prefix>.replay).")
  String into;

  @Option(names = "--device", defaultValue = "cpu",
      description = "ONNX Runtime device of the replay (default: ${DEFAULT-VALUE}).")
  String device;

  @Option(names = "--parallelism", defaultValue = "" + LearnerJobOptions.DEFAULT_PARALLELISM,
      description = "Flink parallelism; models do not depend on it (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Override
  public Integer call() throws Exception {
    ComputeDevice usable = EncoderCheck.usable(ComputeDevice.parse(device, false));
    ClientConfigs clients = kafka.clients();
    Topics original = kafka.topics();
    Topics replay = new Topics(Objects.requireNonNullElse(into, kafka.topicPrefix + ".replay"));
    return run(clients, original, replay, scenario, usable, parallelism, checkpoints, System.out) ? 0 : 1;
  }

  /**
   * Replays the run on {@code original}'s topics into {@code replay}'s; true when it reproduced the run
   * exactly. With {@code checkpoints}, an interrupted replay resumes; without (null), it runs once.
   */
  static boolean run(ClientConfigs clients, Topics original, Topics replay, String scenario,
      ComputeDevice device, int parallelism, CheckpointOptions checkpoints, PrintStream out) throws Exception {
    RecordedRun recorded = RecordedRun.read(clients, original.modelUpdates().name());
    LearnerJobConfig config = JobProperties.parse(recorded.jobProperties(), device, parallelism,
        LearnerJobOptions.defaults().checkpointIntervalMs());
    String samples = recorded.samplesTopic();
    Map<TopicPartition, Long> samplesStop = recorded.stopOffsets(clients, samples);
    Map<TopicPartition, Long> stop = new HashMap<>(samplesStop); // travels with the job: must be serializable
    for (String warmupTopic : config.warmupTopics().keySet()) {
      stop.putAll(RecordedRun.endOffsets(clients, warmupTopic));
    }
    LocalFlink.Resumable resumable = checkpoints == null ? null
        : checkpoints.resumable(clients, replay.prefix(), "replay", config, samples, true);
    if (resumable == null || resumable.checkpoints().newest().isEmpty()) {
      requireFresh(clients, replay);
    }
    KafkaTopics.create(clients.admin(), samplesStop.size(), List.of(replay.modelUpdates().name(),
        replay.predictions().name(), replay.deadLetters().name(), replay.eval().name(), replay.alerts().name()));
    out.printf("Replaying %s (learners %s) from %s up to offsets %s into %s.*%n", recorded.models(),
        String.join(",", config.learners()), samples, new TreeMap<>(toStrings(stop)), replay.prefix());
    LocalFlink.run(KafkaLearnerJob.create(clients, samples, replay, config, OffsetsInitializer.offsets(stop)), config,
        "streamcl-replay " + replay.prefix(), resumable, out);

    RecordedRun replayed = RecordedRun.read(clients, replay.modelUpdates().name());
    List<String> differences = recorded.differencesFrom(replayed);
    out.println(differences.isEmpty()
        ? "Model updates: all " + recorded.models().size() + " models' versions are byte-identical"
        : "Model updates differ:\n  " + String.join("\n  ", differences) + "\nA replay reproduces a finished run "
            + "(learn --bounded to its end, samples topic unchanged since); a run stopped midway, or one whose "
            + "samples topic was since rewritten, cannot be reproduced.");
    boolean sameAccuracies = compareFinalAccuracies(clients, original, replay, scenario, config, recorded, out);
    return differences.isEmpty() && sameAccuracies;
  }

  private static boolean compareFinalAccuracies(ClientConfigs clients, Topics original, Topics replay, String scenario,
      LearnerJobConfig config, RecordedRun recorded, PrintStream out) throws Exception {
    // One evaluator: the test set is encoded once for both runs.
    try (Evaluator evaluator = new Evaluator(clients, original, scenario, config.encoder(), config.labelLimit())) {
      return compare(evaluator, replay.modelUpdates().name(), recorded.streams(), out);
    }
  }

  private static boolean compare(Evaluator evaluator, String replayedUpdates, List<String> streams, PrintStream out)
      throws Exception {
    boolean same = true;
    out.printf("%-22s %-8s %-7s %10s %10s%n", "stream/learner", "version", "task id", "original", "replay");
    for (String stream : streams) {
      List<EvalResult> a = evaluator.evaluateNewest(stream);
      List<EvalResult> b = evaluator.evaluateNewest(stream, replayedUpdates);
      for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
        EvalResult x = i < a.size() ? a.get(i) : null;
        EvalResult y = i < b.size() ? b.get(i) : null;
        boolean equal = x != null && y != null && x.getModelVersion() == y.getModelVersion()
            && Objects.equals(x.getTaskId(), y.getTaskId()) && x.getCorrect() == y.getCorrect()
            && x.getCount() == y.getCount();
        same &= equal;
        EvalResult shown = x != null ? x : y;
        out.printf("%-22s v%-7d %-7s %10s %10s%s%n", stream + "/" + shown.getLearner(), shown.getModelVersion(),
            shown.getTaskId() == null ? "all" : shown.getTaskId(), percent(x), percent(y), equal ? "" : "  DIFFERS");
      }
    }
    out.println(same ? "Final per-task accuracies: identical" : "Final per-task accuracies: DIFFER");
    return same;
  }

  private static Map<String, Long> toStrings(Map<TopicPartition, Long> offsets) {
    Map<String, Long> named = new HashMap<>();
    offsets.forEach((partition, offset) -> named.put(partition.toString(), offset));
    return named;
  }

  private static String percent(EvalResult result) {
    return result == null ? "-" : String.format("%.2f%%", 100 * result.getAccuracy());
  }

  private static void requireFresh(ClientConfigs clients, Topics replay) {
    Map<TopicPartition, Long> end;
    try (TopicReader reader = new TopicReader(clients, replay.modelUpdates().name())) {
      end = reader.endOffsets();
    } catch (IllegalStateException noSuchTopic) {
      return;
    }
    if (end.values().stream().anyMatch(offset -> offset > 0)) {
      throw new UserError(replay.modelUpdates().name() + " already holds records: pass --into with a new prefix");
    }
  }
}
