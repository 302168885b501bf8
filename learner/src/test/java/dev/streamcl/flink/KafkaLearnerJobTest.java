package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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
  private static final Map<String, Map<Integer, double[]>> EXPECTED_SUMS = new HashMap<>();
  /** Task id of every valid sample, per stream, in order. */
  private static final Map<String, List<Integer>> VALID_TASKS = new HashMap<>();
  private static final Map<String, Integer> VALID_PER_STREAM = new HashMap<>();
  private static final Map<DeadLetterReason, Integer> INJECTED = new EnumMap<>(DeadLetterReason.class);

  @BeforeAll
  static void runJob() throws Exception {
    topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("learner-job"));
    clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    KafkaTopics.create(KafkaBrokerExtension.bootstrap(), 2, topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name());
    publishSamplesWithBadInputMixedIn();

    LearnerJobConfig config = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu()))
        .microBatch(16, 50).publishEvery(PUBLISH_EVERY).maxPayloadBytes(MAX_PAYLOAD).parallelism(2)
        .checkpointIntervalMs(300).learners(NearestClassMeanModel.LEARNER).build();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    KafkaLearnerJob.configure(env, config);
    KafkaLearnerJob.create(clients, topics, config, true).build(env);
    env.execute("learner-job-test");
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
      assertMatchesReference(NearestClassMeanModel.fromUpdate(last), EXPECTED_SUMS.get(stream));
    }
  }

  private static void assertMatchesReference(NearestClassMeanModel model, Map<Integer, double[]> reference) {
    assertEquals(reference.keySet(), new TreeMap<>(labelsToRows(model)).keySet());
    int dim = model.dim();
    labelsToRows(model).forEach((label, row) -> {
      double[] expected = reference.get(label);
      for (int k = 0; k < dim; k++) {
        assertEquals(expected[k], model.sums()[row * dim + k], 1e-3, "class " + label + " dim " + k);
      }
      assertEquals((long) expected[dim], model.counts()[row], "count of class " + label);
    });
  }

  private static Map<Integer, Integer> labelsToRows(NearestClassMeanModel model) {
    Map<Integer, Integer> rows = new HashMap<>();
    for (int i = 0; i < model.labels().length; i++) {
      rows.put(model.labels()[i], i);
    }
    return rows;
  }

  private static void publishSamplesWithBadInputMixedIn() {
    EventCodec<Sample> codec = EventCodec.samples();
    Random random = new Random(42);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      for (String stream : STREAMS) {
        int partition = StreamPartitioning.partitionFor(stream, 2);
        Map<Integer, double[]> sums = new HashMap<>();
        for (int seq = 0; seq < PER_STREAM; seq++) {
          byte[] value;
          switch (seq % 40) {
            case 7 -> value = bad(DeadLetterReason.MALFORMED, randomBytes(random, 200));
            case 13 -> value = bad(DeadLetterReason.WRONG_SHAPE, codec.encode(
                TestSamples.tensor(stream, seq, 1, List.of(27, 28), new float[27 * 28])));
            case 19 -> value = bad(DeadLetterReason.NON_FINITE, codec.encode(
                TestSamples.tensor(stream, seq, 1, List.of(28, 28), nanTensor())));
            case 23 -> value = bad(DeadLetterReason.UNKNOWN_LABEL, codec.encode(
                TestSamples.image(stream, seq, -3, TestSamples.pixels(1, random))));
            case 31 -> value = bad(DeadLetterReason.OVERSIZED, randomBytes(random, MAX_PAYLOAD + 1));
            default -> {
              int label = random.nextInt(4);
              byte[] pixels = TestSamples.pixels(label, random);
              value = codec.encode(TestSamples.image(stream, seq, label, pixels));
              addToReference(sums, label, TestSamples.normalisedFeature(pixels));
              VALID_PER_STREAM.merge(stream, 1, Integer::sum);
              VALID_TASKS.computeIfAbsent(stream, s -> new ArrayList<>()).add(label / 2);
            }
          }
          producer.send(new ProducerRecord<>(topics.samples().name(), partition, stream, value));
        }
        EXPECTED_SUMS.put(stream, sums);
      }
      producer.flush();
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

  private static byte[] bad(DeadLetterReason reason, byte[] value) {
    INJECTED.merge(reason, 1, Integer::sum);
    return value;
  }

  private static void addToReference(Map<Integer, double[]> sums, int label, float[] feature) {
    double[] sum = sums.computeIfAbsent(label, l -> new double[feature.length + 1]);
    for (int k = 0; k < feature.length; k++) {
      sum[k] += feature[k];
    }
    sum[feature.length] += 1;
  }

  private static float[] nanTensor() {
    float[] values = new float[28 * 28];
    Arrays.fill(values, 0.5f);
    values[100] = Float.NaN;
    return values;
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> List<T> readAll(String topic,
      EventCodec<T> codec) {
    List<T> events = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null))) {
      var partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          events.add(codec.decode(record.value()));
        }
      }
    }
    assertTrue(events.size() > 0, "nothing committed to " + topic);
    return events;
  }
}
