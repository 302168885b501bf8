package dev.streamcl.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A learner that crashed mid-transaction (kill -9) leaves its transaction open until the broker's
 * timeout; its readers with read_committed see nothing past it. Serving writes its answers to a topic
 * of its own, so they stay readable at once.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ServingIndependenceTest {
  private static final String STREAM = ServingFixtures.STREAM;
  private static final int PARTITIONS = 2;

  @Test
  void aCrashedLearnersOpenTransactionNeverHoldsBackServingsAnswers() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("independent"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    KafkaTopics.create(KafkaBrokerExtension.bootstrap(), PARTITIONS, topics.requests().name(),
        topics.modelUpdates().name(), topics.predictions().name(), topics.servedPredictions().name(),
        topics.deadLetters().name());
    int partition = StreamPartitioning.partitionFor(STREAM, PARTITIONS);
    EncoderIdentity encoder = ServingFixtures.pixelsIdentity();
    EventCodec<ModelUpdate> updates = EventCodec.modelUpdates();

    try (KafkaProducer<String, byte[]> learner = new KafkaProducer<>(clients.producer("learner-" + topics.prefix()))) {
      learner.initTransactions();
      learner.beginTransaction();
      learner.send(modelUpdate(topics, partition, updates.encode(ServingFixtures.rotatingModel(1).snapshot(encoder,
          STREAM))));
      learner.commitTransaction();
    }
    // The crashed learner: a transaction on its predictions and model updates that is never committed.
    try (KafkaProducer<String, byte[]> crashed = new KafkaProducer<>(clients.producer("crashed-" + topics.prefix()));
        ServingService serving = new ServingService(clients, topics, ServingFixtures.PIXELS_2X2, ComputeDevice.cpu(),
            10, new Properties())) {
      crashed.initTransactions();
      crashed.beginTransaction();
      crashed.send(new ProducerRecord<>(topics.predictions().name(), partition, STREAM,
          EventCodec.predictions().encode(prequential())));
      crashed.send(modelUpdate(topics, partition, updates.encode(ServingFixtures.rotatingModel(2).snapshot(encoder,
          STREAM))));
      crashed.flush();

      serving.start();
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      while (serving.servedVersion(STREAM, NearestClassMeanModel.LEARNER) < 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(1, serving.servedVersion(STREAM, NearestClassMeanModel.LEARNER), "the committed model is served");

      try (KafkaProducer<String, byte[]> requests = new KafkaProducer<>(clients.producer(null))) {
        requests.send(new ProducerRecord<>(topics.requests().name(), partition, STREAM, EventCodec.samples().encode(
            ServingFixtures.request(STREAM, 7, 2, 2, 2, ServingFixtures.image(10, 200, 30, 90))))).get();
      }
      long sent = System.nanoTime();
      List<Prediction> answers = readCommitted(clients, topics.servedPredictions().name(), 1, Duration.ofSeconds(30));
      long readableAfterMs = (System.nanoTime() - sent) / 1_000_000;
      List<Prediction> learnerTopic = readCommitted(clients, topics.predictions().name(), 1, Duration.ofSeconds(2));

      assertEquals(1, answers.size(), "serving's answer");
      assertEquals(PredictionSource.SERVING, answers.get(0).getSource());
      assertEquals(1, answers.get(0).getModelVersion(), "answered by the committed version");
      assertTrue(readableAfterMs < 5_000, "readable after " + readableAfterMs + " ms");
      assertEquals(List.of(), learnerTopic, "the open transaction holds back the learner's own topic");
      System.out.printf("crashed learner's transaction open on predictions and model-updates: serving's answer (v%d) "
          + "readable with read_committed after %d ms; the learner's predictions topic showed %d records%n",
          answers.get(0).getModelVersion(), readableAfterMs, learnerTopic.size());
    }
  }

  private static ProducerRecord<String, byte[]> modelUpdate(Topics topics, int partition, byte[] value) {
    return new ProducerRecord<>(topics.modelUpdates().name(), partition,
        Topics.modelKey(STREAM, NearestClassMeanModel.LEARNER), value);
  }

  private static Prediction prequential() {
    return Prediction.newBuilder().setStreamId(STREAM).setSequence(1).setSource(PredictionSource.PREQUENTIAL)
        .setLearner(NearestClassMeanModel.LEARNER).setModelVersion(1).setPredictedLabel(0).setTopScores(List.of())
        .setTrueLabel(0).setTaskId(null).setEventTime(Instant.ofEpochMilli(ServingFixtures.BASE_TIME)).build();
  }

  /** Up to {@code wanted} predictions a read_committed reader sees within {@code wait}. */
  private static List<Prediction> readCommitted(ClientConfigs clients, String topic, int wanted, Duration wait) {
    List<Prediction> seen = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + wait.toNanos();
      while (seen.size() < wanted && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          seen.add(EventCodec.predictions().decode(record.value()));
        }
      }
    }
    return seen;
  }
}
