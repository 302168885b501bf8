package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.Sample;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import dev.streamcl.serving.ServingService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole pipeline on a real broker and a MiniCluster, with the serving service running while
 * the job learns: every model version a read_committed consumer sees is gapless per stream, and a
 * request sent right after version k became readable is answered by version k or newer.
 */
@ExtendWith(KafkaBrokerExtension.class)
class EndToEndTest {
  private static final List<String> STREAMS = List.of("left", "right");
  private static final int PER_TASK = 60;
  private static final int PUBLISH_EVERY = 25;

  /** Every PUBLISH_EVERY labelled samples, and at the end of each task: 60 = 25 + 25 + 10, three per task. */
  private static long expectedVersions() {
    return 5L * ((PER_TASK + PUBLISH_EVERY - 1) / PUBLISH_EVERY);
  }

  @Test
  void versionsAreGaplessAndRequestsAfterVersionKAreAnsweredByKOrNewer() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("e2e"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    SplitFashionMnist scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 7, PER_TASK);
    KafkaTopics.create(clients.admin(), 2, List.of(topics.samples().name(), topics.requests().name(),
        topics.modelUpdates().name(), topics.predictions().name(), topics.servedPredictions().name(),
        topics.deadLetters().name()));
    ScenarioPublisher publisher = new ScenarioPublisher(clients, topics, 2, 1000, false);
    STREAMS.forEach(stream -> publisher.publish(scenario, stream));
    Sample probeSample = scenario.testSample("left", 0);

    LearnerJobConfig config = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu()))
        .microBatch(16, 50).publishEvery(PUBLISH_EVERY).parallelism(2).checkpointIntervalMs(200)
        .learners(NearestClassMeanModel.LEARNER).build();
    Map<Long, Long> probeAfterVersion;
    try (ServingService serving = new ServingService(clients, topics, config.encoder(), config.device(), 10,
        new Properties()).start()) {
      CompletableFuture<Void> job = CompletableFuture.runAsync(() -> runJob(clients, topics, config));
      probeAfterVersion = probeEachVersionAsItBecomesReadable(clients, topics, probeSample, job);
      job.join();
      Map<Long, Prediction> answers = awaitAnswers(clients, topics, probeAfterVersion.size());
      int answeredByNewer = 0;
      for (Map.Entry<Long, Long> probe : probeAfterVersion.entrySet()) {
        Prediction answer = answers.get(probe.getKey());
        assertTrue(answer.getModelVersion() >= probe.getValue(), "request " + probe.getKey() + " sent after version "
            + probe.getValue() + " was readable got version " + answer.getModelVersion());
        answeredByNewer += answer.getModelVersion() > probe.getValue() ? 1 : 0;
      }
      System.out.printf("probes %d, answered by the version that triggered them %d, by a newer one %d%n",
          probeAfterVersion.size(), probeAfterVersion.size() - answeredByNewer, answeredByNewer);
    }
    assertGaplessVersions(clients, topics);
  }

  private static void runJob(ClientConfigs clients, Topics topics, LearnerJobConfig config) {
    try {
      LocalFlink.run(KafkaLearnerJob.create(clients, topics, config, true), config, "e2e");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Watches model updates (read_committed) and, for each new version of stream "left", sends a request at once. */
  private static Map<Long, Long> probeEachVersionAsItBecomesReadable(ClientConfigs clients, Topics topics,
      Sample probe, CompletableFuture<Void> job) {
    EventCodec<ModelUpdate> updates = EventCodec.modelUpdates();
    EventCodec<Sample> samples = EventCodec.samples();
    Map<Long, Long> probes = new HashMap<>();
    long expectedFinal = expectedVersions();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null));
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      List<TopicPartition> partitions = List.of(new TopicPartition(topics.modelUpdates().name(), 0),
          new TopicPartition(topics.modelUpdates().name(), 1));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long seen = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (seen < expectedFinal && System.nanoTime() < deadline && !job.isCompletedExceptionally()) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          ModelUpdate update = updates.decode(record.value());
          if (update.getStreamId().equals("left")) {
            seen = update.getModelVersion();
            long sequence = 1000 + seen;
            probes.put(sequence, seen);
            Sample request = Sample.newBuilder(probe).setStreamId("left").setSequence(sequence).build();
            producer.send(new ProducerRecord<>(topics.requests().name(),
                StreamPartitioning.partitionFor("left", 2), "left", samples.encode(request)));
          }
        }
        producer.flush();
      }
      assertEquals(expectedFinal, seen, "the final version of stream left never became readable");
    }
    return probes;
  }

  private static Map<Long, Prediction> awaitAnswers(ClientConfigs clients, Topics topics, int count) {
    EventCodec<Prediction> codec = EventCodec.predictions();
    Map<Long, Prediction> answers = new HashMap<>();
    try (TopicReader reader = new TopicReader(clients, topics.servedPredictions().name())) {
      Map<TopicPartition, Long> start = new HashMap<>();
      reader.endOffsets().keySet().forEach(tp -> start.put(tp, 0L));
      for (ConsumerRecord<String, byte[]> record : reader.readFrom(start, records -> served(records, codec) >= count,
          Duration.ofMinutes(2), count + " served predictions")) {
        Prediction p = codec.decode(record.value());
        if (p.getSource() == PredictionSource.SERVING) {
          answers.put(p.getSequence(), p);
        }
      }
    }
    return answers;
  }

  private static long served(List<ConsumerRecord<String, byte[]>> records, EventCodec<Prediction> codec) {
    return records.stream().map(r -> codec.decode(r.value())).filter(p -> p.getSource() == PredictionSource.SERVING)
        .count();
  }

  private static void assertGaplessVersions(ClientConfigs clients, Topics topics) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    Map<String, List<Long>> versions = new HashMap<>();
    try (TopicReader reader = new TopicReader(clients, topics.modelUpdates().name())) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        ModelUpdate update = codec.decode(record.value());
        assertEquals(Topics.modelKey(update.getStreamId(), NearestClassMeanModel.LEARNER), record.key());
        versions.computeIfAbsent(update.getStreamId(), s -> new ArrayList<>()).add(update.getModelVersion());
      }
    }
    long expected = expectedVersions();
    for (String stream : STREAMS) {
      List<Long> gapless = new ArrayList<>();
      for (long v = 1; v <= expected; v++) {
        gapless.add(v);
      }
      assertEquals(gapless, versions.get(stream), "versions of stream " + stream);
    }
  }
}
