package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.ops.KafkaBrokerExtension;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The job on a MiniCluster and a real broker with each stream spread over two learner subtasks: NMC publishes the
 * same versions, byte for byte but for the recorded setting, as with one subtask per stream; every learner
 * publishes gapless versions without duplicates, cut where NMC's are, and predicts every sample once.
 */
@ExtendWith(KafkaBrokerExtension.class)
class StreamParallelismJobTest {
  private static final List<String> STREAMS = List.of("left", "right");
  private static final int SAMPLES = 1200;
  private static final int PER_TASK = 400;
  private static final KvbHyperparameters KVB = new KvbHyperparameters(8, 64, 8, 1, 6, 0.3, 0.1, 3L, 0.95, 0.1, 200);
  private static final List<String> LEARNERS = List.of("nmc", "kvb", "er", "slda");

  @Test
  void nmcVersionsMatchOneSubtaskPerStreamAndEveryLearnerPublishesGaplessVersions() throws Exception {
    String prefix = KafkaBrokerExtension.uniqueTopicPrefix("spread");
    Topics input = new Topics(prefix);
    Topics one = new Topics(prefix + "-one");
    Topics two = new Topics(prefix + "-two");
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    LearnerJobRuns.createTopics(KafkaBrokerExtension.bootstrap(), input.samples().name(), one, two);
    publish(clients, input.samples().name());
    LearnerJobConfig.Builder config = LearnerJobRuns.imageJob().publishEvery(150).labelLimit(6).learners(LEARNERS)
        .settings(KeyValueBottleneckLearner.FAMILY, new KeyValueBottleneckLearner.Settings(KVB, 32, 3, null));

    LearnerJobRuns.run(clients, input.samples().name(), one, config.build());
    LearnerJobRuns.run(clients, input.samples().name(), two, config.streamParallelism(2).build());

    Map<String, List<String>> single = versions(clients, one);
    Map<String, List<String>> spread = versions(clients, two);
    assertEquals(single.keySet(), spread.keySet(), "every stream and learner published");
    for (String stream : STREAMS) {
      assertEquals(single.get(stream + "/nmc"), spread.get(stream + "/nmc"), stream + ": every NMC update, byte for "
          + "byte");
      for (String learner : LEARNERS) {
        assertEquals(summaries(spread.get(stream + "/nmc")), summaries(spread.get(stream + "/" + learner)),
            stream + "/" + learner + ": versions cut where NMC's are");
      }
    }
    List<Prediction> predictions = Committed.events(clients, two.predictions().name(), EventCodec.predictions());
    assertEquals((long) STREAMS.size() * SAMPLES * LEARNERS.size(), predictions.stream()
        .map(p -> p.getStreamId() + "/" + p.getLearner() + "/" + p.getSequence()).distinct().count(),
        "every sample predicted by every learner");
    assertEquals(predictions.size(), (long) STREAMS.size() * SAMPLES * LEARNERS.size(), "no prediction twice");
  }

  /**
   * Per model, its update records in version and chunk order, each encoded without the recorded stream
   * parallelism (the one property that must differ); a duplicate or a gap fails here.
   */
  private static Map<String, List<String>> versions(ClientConfigs clients, Topics topics) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    Map<String, List<ModelUpdate>> byModel = Committed.events(clients, topics.modelUpdates().name(), codec).stream()
        .collect(Collectors.groupingBy(u -> u.getStreamId() + "/" + u.getLearner(), TreeMap::new,
            Collectors.toList()));
    Map<String, List<String>> encoded = new TreeMap<>();
    byModel.forEach((model, updates) -> {
      List<ModelUpdate> firstChunks = updates.stream().filter(u -> u.getChunkIndex() == 0).toList();
      for (int v = 0; v < firstChunks.size(); v++) {
        assertEquals(v + 1, firstChunks.get(v).getModelVersion(), model + ": versions 1, 2, ... once each");
      }
      encoded.put(model, updates.stream().map(u -> {
        Map<String, String> properties = new TreeMap<>(u.getProperties());
        properties.remove(JobProperties.PREFIX + "streamParallelism");
        u.setProperties(properties);
        return u.getModelVersion() + " " + properties.get(PublishProgress.TRIGGER) + " "
            + Arrays.toString(codec.encode(u));
      }).toList());
    });
    assertTrue(encoded.values().stream().allMatch(v -> v.size() > 3), "several versions per model");
    return encoded;
  }

  private static List<String> summaries(List<String> updates) {
    return updates.stream().map(u -> u.substring(0, u.indexOf(" ["))).distinct().toList(); // chunks: one version
  }

  private static void publish(ClientConfigs clients, String topic) throws Exception {
    EventCodec<Sample> codec = EventCodec.samples();
    Random random = new Random(5);
    try (SampleProducer producer = new SampleProducer(clients, topic)) {
      for (int seq = 0; seq < SAMPLES; seq++) {
        for (String stream : STREAMS) {
          int label = 2 * (seq / PER_TASK) + random.nextInt(2);
          producer.send(stream, codec.encode(TestSamples.image(stream, seq, label,
              TestSamples.pixels(label, random))));
        }
      }
    }
  }
}
