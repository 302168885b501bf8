package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same seed gives the same experiment: two demo runs publish byte-identical model updates and
 * evaluation results, and `streamcl replay` of a finished run rebuilds it exactly from the samples
 * topic and the configuration its model updates recorded.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ReproducibilityTest {
  private static final int PER_TASK = 300;
  private static final long SEED = 42;
  /**
   * SHA-256 of every model-update record of the first run, recorded before the learner-contract refactor (NMC's
   * recorded again when its sums became exact: features rounded to 2^-30, classes sorted by label).
   */
  private static final String DIGESTS = "demo-model-update-digests.txt";

  @Test
  void twoDemoRunsWithTheSameSeedPublishIdenticalVersionsAndEvaluationResults(@TempDir Path reports)
      throws Exception {
    // Each run on its own fresh embedded broker with the default topics, as `./streamcl demo` twice.
    Demo.Result firstRun = demo(null, Topics.DEFAULT_PREFIX, reports.resolve("a"), null);
    Demo.Result secondRun = demo(null, Topics.DEFAULT_PREFIX, reports.resolve("b"), null);
    RecordedRun a = firstRun.published();
    RecordedRun b = secondRun.published();
    assertEquals(List.of("split-fmnist/er", "split-fmnist/fetril", "split-fmnist/finetune", "split-fmnist/kvb",
        "split-fmnist/nmc"), a.models());
    for (String model : a.models()) {
      assertEquals(a.versions(model), b.versions(model), model + " version sequence");
      assertFalse(a.versions(model).isEmpty());
    }
    assertEquals(List.of(), a.differencesFrom(b), "model update bytes");
    List<String> digests = ModelUpdateDigests.of(a);
    ModelUpdateDigests.recordIfAsked(digests);
    assertEquals(ModelUpdateDigests.expected(DIGESTS), digests,
        "model-update records differ from those recorded (" + DIGESTS + ")");

    List<byte[]> evalA = encoded(firstRun.evaluation());
    List<byte[]> evalB = encoded(secondRun.evaluation());
    assertTrue(evalA.size() > 5 * SplitFashionMnist.TASKS, "results at several versions per learner: " + evalA.size());
    assertEquals(evalA.size(), evalB.size());
    for (int i = 0; i < evalA.size(); i++) {
      assertTrue(Arrays.equals(evalA.get(i), evalB.get(i)), "EvalResult " + i + " differs: "
          + EventCodec.evalResults().decode(evalA.get(i)) + " vs " + EventCodec.evalResults().decode(evalB.get(i)));
    }
    assertEquals(firstRun.report().learners().stream().map(l -> l.metrics()).toList(),
        secondRun.report().learners().stream().map(l -> l.metrics()).toList(), "report metrics");
  }

  @Test
  void replayingAFinishedRunReproducesItsVersionsAndFinalAccuracies(@TempDir Path reports) throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    Topics first = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("replay"));
    // KVB keys from the key-init topic: a topic no version records offsets of, read whole again.
    demo(KafkaBrokerExtension.bootstrap(), first.prefix(), reports, first.keyInit().name());
    Topics replay = new Topics(first.prefix() + ".replay");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    boolean identical = ReplayCommand.run(clients, first, replay, SplitFashionMnist.NAME, ComputeDevice.cpu(), 2, null,
        new PrintStream(printed, true, StandardCharsets.UTF_8));
    System.out.println(printed.toString(StandardCharsets.UTF_8));

    assertTrue(identical, printed.toString(StandardCharsets.UTF_8));
    RecordedRun original = RecordedRun.read(clients, first.modelUpdates().name());
    RecordedRun replayed = RecordedRun.read(clients, replay.modelUpdates().name());
    assertEquals(original.models(), replayed.models());
    for (String model : original.models()) {
      assertEquals(original.versions(model), replayed.versions(model), model);
    }
  }

  private static Demo.Result demo(String bootstrap, String topicPrefix, Path reportDir, String kvbKeyInitTopic)
      throws Exception {
    LearnerJobConfig defaults =
        LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu())).build();
    LearnerJobConfig learner = defaults.toBuilder().publishEvery(200)
        .settings(KeyValueBottleneckLearner.FAMILY,
            defaults.settings(KeyValueBottleneckLearner.FAMILY).withKeyInitTopic(kvbKeyInitTopic))
        .build();
    return Demo.run(new Demo.Settings(bootstrap, new Properties(), topicPrefix, "split-fmnist",
        FashionMnist.atDefaultLocation().dir(), SEED, "split-fmnist", PER_TASK, 2, learner, false, false, 2,
        reportDir, null), System.out);
  }

  private static List<byte[]> encoded(List<EvalResult> results) {
    return results.stream().map(EventCodec.evalResults()::encode).toList();
  }
}
