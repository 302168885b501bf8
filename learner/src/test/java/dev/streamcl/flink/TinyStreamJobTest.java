package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.ops.KafkaBrokerExtension;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The job-level side of {@link StreamIsolationTest}: with every learner on, a stream of 3 samples
 * beside a normal stream leaves the normal stream's model updates byte-identical to a run without it,
 * while the tiny stream gets the documented fallback (KVB freezes its keys with the 3 samples and says
 * so with a WARNING alert; every learner predicts and publishes it). Both runs read one samples topic
 * into their own output topics: the first before the tiny stream's records exist, the second after.
 * The tiny stream's records sit in the other partition (so the normal stream's source offsets, part of
 * every update, stay the same) but its key goes to the same learner subtasks as the normal stream.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TinyStreamJobTest {
  private static final String NORMAL = "normal";
  private static final int NORMAL_SAMPLES = 2_000;
  private static final int PER_TASK = 400;
  private static final int TINY_SAMPLES = 3;
  private static final int PARALLELISM = 2;
  // Small enough to warm up on the normal stream's first 200 samples; 64 keys per codebook > 3 samples.
  private static final KvbHyperparameters KVB = new KvbHyperparameters(8, 64, 8, 1, 10, 0.3, 0.1, 3L, 0.95, 0.1, 200);

  @Test
  void aTinyStreamLeavesTheNormalStreamsModelsUnchangedAndGetsTheFallback() throws Exception {
    String prefix = KafkaBrokerExtension.uniqueTopicPrefix("tiny");
    Topics input = new Topics(prefix);
    Topics alone = new Topics(prefix + "-alone");
    Topics beside = new Topics(prefix + "-beside");
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    LearnerJobRuns.createTopics(KafkaBrokerExtension.bootstrap(), input.samples().name(), alone, beside);
    String tiny = tinyStreamId();
    LearnerJobConfig config = LearnerJobRuns.imageJob().publishEvery(250).parallelism(PARALLELISM)
        .learners(Learners.names())
        .settings(KeyValueBottleneckLearner.FAMILY, new KeyValueBottleneckLearner.Settings(KVB, 32, 3, null))
        .build();

    publish(clients, input.samples().name(), NORMAL, NORMAL_SAMPLES, 1);
    LearnerJobRuns.run(clients, input.samples().name(), alone, config);
    publish(clients, input.samples().name(), tiny, TINY_SAMPLES, 2);
    LearnerJobRuns.run(clients, input.samples().name(), beside, config);

    PublishedUpdates normalAlone = PublishedUpdates.read(clients, alone.modelUpdates().name(),
        u -> u.getStreamId().equals(NORMAL));
    PublishedUpdates normalBeside = PublishedUpdates.read(clients, beside.modelUpdates().name(),
        u -> u.getStreamId().equals(NORMAL));
    PublishedUpdates tinyUpdates = PublishedUpdates.read(clients, beside.modelUpdates().name(),
        u -> u.getStreamId().equals(tiny));
    List<Prediction> tinyPredictions = Committed.events(clients, beside.predictions().name(),
        EventCodec.predictions()).stream().filter(p -> p.getStreamId().equals(tiny)).toList();
    Set<String> predicted = new HashSet<>();
    tinyPredictions.forEach(p -> predicted.add(p.getLearner() + "/" + p.getSequence()));
    List<Alert> alerts = Committed.events(clients, beside.alerts().name(), EventCodec.alerts());
    long expectedTinyPredictions = (long) TINY_SAMPLES * config.learners().size();
    long lost = normalBeside.missingFrom(normalAlone) + expectedTinyPredictions - predicted.size();
    long duplicated = normalBeside.duplicated() + normalAlone.duplicated() + tinyUpdates.duplicated()
        + tinyPredictions.size() - predicted.size();

    FaultLines.append(String.format("tiny stream: injected %d, lost %d, duplicated %d (a %d-sample stream beside "
        + "%,d normal samples, every learner on: %s; normal stream's %d update records identical to the run "
        + "without it, %d differ; tiny stream: %d predictions, %d update records of %d learners, alerts %s)",
        TINY_SAMPLES, lost, duplicated, TINY_SAMPLES, NORMAL_SAMPLES, String.join(",", config.learners()),
        normalBeside.size(), normalBeside.differentFrom(normalAlone), tinyPredictions.size(), tinyUpdates.size(),
        tinyUpdates.models().size(), alerts.stream().filter(a -> a.getDrift() == null)
            .map(a -> a.getLearner() + " " + a.getSeverity()).toList()));
    assertEquals(config.learners().size(), normalAlone.models().size(), "every learner published the normal stream");
    assertEquals(normalAlone.size(), normalBeside.size(), "the normal stream's update records");
    assertEquals(0, normalBeside.differentFrom(normalAlone), "normal-stream update records that differ");
    assertEquals(0, lost, "lost");
    assertEquals(0, duplicated, "duplicated");
    assertEquals(List.of(), normalBeside.versionGaps(), "version gaps");
    assertEquals(config.learners().size(), tinyUpdates.models().size(), "every learner publishes the tiny stream");
    assertKvbWarnedOnlyAboutTheTinyStream(alerts, tiny);
  }

  /** Drift alerts aside (the normal stream's task boundaries; DriftWatchTest covers them), one warning. */
  private static void assertKvbWarnedOnlyAboutTheTinyStream(List<Alert> all, String tiny) {
    assertTrue(all.stream().filter(a -> a.getDrift() != null).noneMatch(a -> a.getStreamId().equals(tiny)),
        "3 samples are too few for a drift");
    List<Alert> alerts = all.stream().filter(a -> a.getDrift() == null).toList();
    assertEquals(1, alerts.size(), alerts.toString());
    Alert alert = alerts.get(0);
    assertEquals(tiny, alert.getStreamId());
    assertEquals(KeyValueBottleneckModel.LEARNER, alert.getLearner());
    assertEquals(AlertSeverity.WARNING, alert.getSeverity());
    assertTrue(alert.getMessage().contains("after " + TINY_SAMPLES + " samples"), alert.getMessage());
  }

  /** A stream id in the other Kafka partition than the normal stream, keyed to the same learner subtask. */
  private static String tinyStreamId() {
    int maxParallelism = KeyGroupRangeAssignment.computeDefaultMaxParallelism(PARALLELISM);
    int normalSubtask = KeyGroupRangeAssignment.assignKeyToParallelOperator(NORMAL, maxParallelism, PARALLELISM);
    for (int i = 0; ; i++) {
      String id = "tiny-" + i;
      if (StreamPartitioning.partitionFor(id, 2) != StreamPartitioning.partitionFor(NORMAL, 2)
          && KeyGroupRangeAssignment.assignKeyToParallelOperator(id, maxParallelism, PARALLELISM) == normalSubtask) {
        return id;
      }
    }
  }

  /** Class-incremental: task t shows classes 2t and 2t+1, {@code PER_TASK} samples each task. */
  private static void publish(ClientConfigs clients, String topic, String stream, int count, long seed)
      throws Exception {
    EventCodec<Sample> codec = EventCodec.samples();
    Random random = new Random(seed);
    try (SampleProducer producer = new SampleProducer(clients, topic)) {
      for (int seq = 0; seq < count; seq++) {
        int label = 2 * (seq / PER_TASK) + random.nextInt(2);
        producer.send(stream, codec.encode(TestSamples.image(stream, seq, label, TestSamples.pixels(label, random))));
      }
    }
  }
}
