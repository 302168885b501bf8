package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A 1.5 MB sample record, beyond the learner's default 1 MiB payload limit but within what the broker
 * takes, reaches the learner job and is dead-lettered as oversized; the samples around it are learned.
 */
@ExtendWith(KafkaBrokerExtension.class)
class OversizedSampleJobTest {
  private static final String STREAM = "big";
  private static final int VALID = 40;
  private static final int HUGE_AT = 17;

  @Test
  void aRecordAboveThePayloadLimitIsDeadLetteredNotRefusedByTheBroker() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("oversized"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    KafkaTopics.create(KafkaBrokerExtension.bootstrap(), 2, topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.alerts().name());
    Properties producerConfig = clients.producer(null);
    producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(EmbeddedKafkaBroker.MAX_RECORD_BYTES));
    int partition = StreamPartitioning.partitionFor(STREAM, 2);
    Random random = new Random(7);
    int hugeBytes;
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig)) {
      for (int seq = 0; seq <= VALID; seq++) {
        byte[] pixels = seq == HUGE_AT ? new byte[1500 * 1000] : TestSamples.pixels(seq % 4, random);
        Sample sample = seq == HUGE_AT
            ? Sample.newBuilder(TestSamples.image(STREAM, seq, 1, pixels))
                .setInput(new RawImage(1500, 1000, 1, ByteBuffer.wrap(pixels))).build()
            : TestSamples.image(STREAM, seq, seq % 4, pixels);
        producer.send(new ProducerRecord<>(topics.samples().name(), partition, STREAM,
            EventCodec.samples().encode(sample))).get();
      }
      hugeBytes = 1500 * 1000;
    }

    LearnerJobConfig config = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu()))
        .microBatch(16, 50).publishEvery(10).parallelism(1).checkpointIntervalMs(300)
        .learners(NearestClassMeanModel.LEARNER).build();
    assertEquals(1 << 20, config.maxPayloadBytes(), "the default payload limit");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    KafkaLearnerJob.configure(env, config);
    KafkaLearnerJob.create(clients, topics, config, true).build(env);
    env.execute("oversized-sample-test");

    List<DeadLetter> letters = readAll(clients, topics.deadLetters().name(), EventCodec.deadLetters());
    List<Prediction> predictions = readAll(clients, topics.predictions().name(), EventCodec.predictions());
    assertEquals(1, letters.size(), letters.toString());
    assertEquals(DeadLetterReason.OVERSIZED, letters.get(0).getReason());
    assertTrue(letters.get(0).getPayloadSize() > hugeBytes, "the dead letter records the original size");
    assertEquals(VALID, predictions.size(), "every valid sample around it was learned");
    assertTrue(predictions.stream().noneMatch(p -> p.getSequence() == HUGE_AT));
    System.out.printf("a %,d-byte sample record: taken by the broker, dead-lettered as %s (%s); %d valid samples "
        + "around it learned%n", letters.get(0).getPayloadSize(), letters.get(0).getReason(),
        letters.get(0).getError().lines().findFirst().orElse(""), predictions.size());
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> List<T> readAll(ClientConfigs clients,
      String topic, EventCodec<T> codec) {
    List<T> events = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      var end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          events.add(codec.decode(record.value()));
        }
      }
    }
    return events;
  }
}
