package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.ops.KafkaBrokerExtension;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
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
  private static final int HUGE_BYTES = 1500 * 1000;

  @Test
  void aRecordAboveThePayloadLimitIsDeadLetteredNotRefusedByTheBroker() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("oversized"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    LearnerJobRuns.createTopics(KafkaBrokerExtension.bootstrap(), topics.samples().name(), topics);
    Properties producerConfig = clients.producer(null);
    producerConfig.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(EmbeddedKafkaBroker.MAX_RECORD_BYTES));
    int partition = StreamPartitioning.partitionFor(STREAM, 2);
    Random random = new Random(7);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig)) {
      for (int seq = 0; seq <= VALID; seq++) {
        byte[] value = seq == HUGE_AT ? Poison.OVERSIZED.value(STREAM, seq, random, HUGE_BYTES)
            : EventCodec.samples().encode(TestSamples.image(STREAM, seq, seq % 4, TestSamples.pixels(seq % 4, random)));
        producer.send(new ProducerRecord<>(topics.samples().name(), partition, STREAM, value)).get();
      }
    }

    LearnerJobConfig config = LearnerJobRuns.imageJob().microBatch(16, 50).publishEvery(10).parallelism(1)
        .learners(NearestClassMeanModel.LEARNER).build();
    assertEquals(1 << 20, config.maxPayloadBytes(), "the default payload limit");
    LearnerJobRuns.run(clients, topics.samples().name(), topics, config);

    List<DeadLetter> letters = Committed.events(clients, topics.deadLetters().name(), EventCodec.deadLetters());
    List<Prediction> predictions = Committed.events(clients, topics.predictions().name(), EventCodec.predictions());
    assertEquals(1, letters.size(), letters.toString());
    assertEquals(DeadLetterReason.OVERSIZED, letters.get(0).getReason());
    assertTrue(letters.get(0).getPayloadSize() > HUGE_BYTES, "the dead letter records the original size");
    assertEquals(VALID, predictions.size(), "every valid sample around it was learned");
    assertTrue(predictions.stream().noneMatch(p -> p.getSequence() == HUGE_AT));
    System.out.printf("a %,d-byte sample record: taken by the broker, dead-lettered as %s (%s); %d valid samples "
        + "around it learned%n", letters.get(0).getPayloadSize(), letters.get(0).getReason(),
        letters.get(0).getError().lines().findFirst().orElse(""), predictions.size());
  }
}
