package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaBrokerExtension.class)
class KafkaBrokerExtensionTest {

  @Test
  void readCommittedSeesCommittedRecordsOnly(TestInfo info) {
    String topic = KafkaBrokerExtension.uniqueTopicPrefix(info.getDisplayName()) + ".tx";
    Map<String, Integer> partitions = EmbeddedKafkaBroker.createTopics(KafkaBrokerExtension.bootstrap(), 1, topic);
    assertEquals(Map.of(topic, 1), partitions);

    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(topic + "-tx"))) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "aborted"));
      producer.abortTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "committed"));
      producer.commitTransaction();
    }

    assertEquals(List.of("committed"), readAll(topic));
  }

  @Test
  void prefixesAreUniqueAndValidTopicNames() {
    String a = KafkaBrokerExtension.uniqueTopicPrefix("same name(1)");
    String b = KafkaBrokerExtension.uniqueTopicPrefix("same name(1)");
    assertNotEquals(a, b);
    assertTrue(a.matches("[A-Za-z0-9-]+"), a);
  }

  private static Properties producerConfig(String transactionalId) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrap());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return p;
  }

  /** Reads the single partition from the start, read_committed, up to the end of its log. */
  private static List<String> readAll(String topic) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrap());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20"); // the last fetch, past the commit marker, finds no data
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    TopicPartition partition = new TopicPartition(topic, 0);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      // The log end, not the last stable offset: commitTransaction returns before the commit marker
      // is written, so the LSO may still stand before the committed record; reading up to the log end
      // in read_committed mode waits for the marker.
      long end = logEnd(partition);
      long deadline = System.currentTimeMillis() + 30_000;
      while (consumer.position(partition) < end && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
    }
    return values;
  }

  private static long logEnd(TopicPartition partition) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaBrokerExtension.bootstrap());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      return consumer.endOffsets(List.of(partition)).get(partition);
    }
  }
}
