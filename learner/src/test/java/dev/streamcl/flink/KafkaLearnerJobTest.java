package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.KafkaBrokerExtension;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The learner job on a real KRaft broker and a Flink MiniCluster: two streams at parallelism 2 with
 * every kind of bad input mixed in. Bad records land in the dead-letter topic with their reason,
 * every valid sample is predicted and learned, and model versions are gapless per stream.
 */
@ExtendWith(KafkaBrokerExtension.class)
class KafkaLearnerJobTest {
  private static final int PER_STREAM = 240;
  private static final int PUBLISH_EVERY = 50;
  private static final int MAX_PAYLOAD = 16 * 1024;
  private static final List<String> STREAMS = List.of("alpha", "beta");

  private static Topics topics;
  private static ClientConfigs clients;
  private static final Map<String, ClassSums> EXPECTED_SUMS = new HashMap<>();
  /** Task id of every valid sample, per stream, in order. */
  private static final Map<String, List<Integer>> VALID_TASKS = new HashMap<>();
  private static final Map<String, Integer> VALID_PER_STREAM = new HashMap<>();
  private static final Map<DeadLetterReason, Integer> INJECTED = new EnumMap<>(DeadLetterReason.class);

  @BeforeAll
  static void runJob() throws Exception {
    // Surefire reruns a failed class (see the root pom): what a first attempt recorded must not count twice.
    EXPECTED_SUMS.clear();
    VALID_TASKS.clear();
    VALID_PER_STREAM.clear();
    INJECTED.clear();
    topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("learner-job"));
    clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    LearnerJobRuns.createTopics(KafkaBrokerExtension.bootstrap(), topics.samples().name(), topics);
    publishSamplesWithBadInputMixedIn();

    LearnerJobConfig config = LearnerJobRuns.imageJob().microBatch(16, 50).publishEvery(PUBLISH_EVERY)
        .maxPayloadBytes(MAX_PAYLOAD).learners(NearestClassMeanModel.LEARNER).build();
    LearnerJobRuns.run(clients, topics.samples().name(), topics, config);
  }

  @Test
  void everyBadRecordIsDeadLetteredWithItsReason() {
    List<DeadLetter> letters = readAll(topics.deadLetters().name(), EventCodec.deadLetters());
    Map<DeadLetterReason, Integer> counted = new EnumMap<>(DeadLetterReason.class);
    for (DeadLetter letter : letters) {
      counted.merge(letter.getReason(), 1, Integer::sum);
      assertFalse(letter.getError().isBlank());
      assertEquals(topics.samples().name(), letter.getSourceTopic());
    }
    System.out.println("injected " + INJECTED + ", dead-lettered " + counted);
    assertEquals(INJECTED, counted);
  }

  @Test
  void everyValidSampleIsPredictedOnceBeforeBeingLearned() {
    List<Prediction> predictions = readAll(topics.predictions().name(), EventCodec.predictions());
    for (String stream : STREAMS) {
      long count = predictions.stream().filter(p -> p.getStreamId().equals(stream)).count();
      assertEquals(VALID_PER_STREAM.get(stream).longValue(), count, "predictions of " + stream);
    }
    long distinct = predictions.stream().map(p -> p.getStreamId() + "/" + p.getSequence()).distinct().count();
    assertEquals(predictions.size(), distinct, "a sample was predicted twice");
  }

  @Test
  void modelVersionsAreGaplessAndTheLastOneHoldsExactlyTheValidSamples() {
    List<ModelUpdate> updates = readAll(topics.modelUpdates().name(), EventCodec.modelUpdates());
    for (String stream : STREAMS) {
      List<Long> versions = new ArrayList<>();
      ModelUpdate last = null;
      for (ModelUpdate update : updates) {
        if (update.getStreamId().equals(stream)) {
          versions.add(update.getModelVersion());
          last = update;
        }
      }
      int valid = VALID_PER_STREAM.get(stream);
      int expectedVersions = expectedVersions(VALID_TASKS.get(stream));
      List<Long> gapless = new ArrayList<>();
      for (long v = 1; v <= expectedVersions; v++) {
        gapless.add(v);
      }
      assertEquals(gapless, versions, "versions of " + stream);
      assertEquals(valid, last.getLabelledSeen());
      EXPECTED_SUMS.get(stream).assertMatches(NearestClassMeanModel.fromUpdate(last));
    }
  }

  private static void publishSamplesWithBadInputMixedIn() throws Exception {
    EventCodec<Sample> codec = EventCodec.samples();
    Random random = new Random(42);
    try (SampleProducer producer = new SampleProducer(clients, topics.samples().name())) {
      for (String stream : STREAMS) {
        ClassSums sums = new ClassSums();
        for (int seq = 0; seq < PER_STREAM; seq++) {
          byte[] value;
          Poison pill = switch (seq % 40) {
            case 7 -> Poison.RANDOM_BYTES;
            case 13 -> Poison.WRONG_SHAPE;
            case 19 -> Poison.NAN_FEATURE;
            case 23 -> Poison.LABEL_MINUS_THREE;
            case 31 -> Poison.OVERSIZED;
            default -> null;
          };
          if (pill != null) {
            INJECTED.merge(pill.reason(), 1, Integer::sum);
            value = pill.value(stream, seq, random, MAX_PAYLOAD);
          } else {
            int label = random.nextInt(4);
            byte[] pixels = TestSamples.pixels(label, random);
            value = codec.encode(TestSamples.image(stream, seq, label, pixels));
            sums.add(label, TestSamples.normalisedFeature(pixels));
            VALID_PER_STREAM.merge(stream, 1, Integer::sum);
            VALID_TASKS.computeIfAbsent(stream, s -> new ArrayList<>()).add(label / 2);
          }
          producer.send(stream, value);
        }
        EXPECTED_SUMS.put(stream, sums);
      }
    }
  }

  /** The documented rule: a version every PUBLISH_EVERY labelled samples, before a higher task id, and at the end. */
  private static int expectedVersions(List<Integer> tasks) {
    int versions = 0;
    int sincePublish = 0;
    int highest = -1;
    for (int task : tasks) {
      if (highest >= 0 && task > highest && sincePublish > 0) {
        versions++;
        sincePublish = 0;
      }
      highest = Math.max(highest, task);
      if (++sincePublish == PUBLISH_EVERY) {
        versions++;
        sincePublish = 0;
      }
    }
    return versions + (sincePublish > 0 ? 1 : 0);
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> List<T> readAll(String topic,
      EventCodec<T> codec) {
    List<T> events = Committed.events(clients, topic, codec);
    assertTrue(events.size() > 0, "nothing committed to " + topic);
    return events;
  }
}
