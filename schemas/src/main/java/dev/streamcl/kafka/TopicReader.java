package dev.streamcl.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads committed records of a whole topic, or from given offsets, without a consumer group. */
public final class TopicReader implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<TopicPartition> partitions;

  public TopicReader(ClientConfigs clients, String topic) {
    consumer = new KafkaConsumer<>(clients.consumer(null));
    try {
      partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      if (partitions.isEmpty()) {
        throw new MissingTopicException("Topic " + topic + " does not exist on " + clients.bootstrap()
            + "; check --topic-prefix or publish first");
      }
      consumer.assign(partitions);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  public Map<TopicPartition, Long> endOffsets() {
    return consumer.endOffsets(partitions);
  }

  /** Every committed record up to the current end. */
  public List<ConsumerRecord<String, byte[]>> readAll() {
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = endOffsets();
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    return records;
  }

  /**
   * Reads from {@code start} until {@code done} holds for the records read so far, or fails after
   * {@code timeout} saying how many arrived.
   */
  public List<ConsumerRecord<String, byte[]>> readFrom(Map<TopicPartition, Long> start,
      Predicate<List<ConsumerRecord<String, byte[]>>> done, Duration timeout, String what) {
    start.forEach(consumer::seek);
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(records)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Timed out after " + timeout.toSeconds() + " s waiting for " + what
            + " (" + records.size() + " records arrived); is the service running?");
      }
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    return records;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
