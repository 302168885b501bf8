package dev.streamcl.scenario;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Finds the last committed record of one key in one partition by reading backwards in windows
 * from the end. Other streams may share the partition, so the partition's last record is not enough.
 */
final class CommittedTail {
  private static final int WINDOW = 500;
  private static final long TIMEOUT_MS = 60_000;

  private CommittedTail() {}

  /** @param consumerConfig a String-key, byte[]-value consumer; it is switched to read_committed */
  static Optional<ConsumerRecord<String, byte[]>> lastRecordOf(Properties consumerConfig, TopicPartition partition,
      String key) {
    Properties config = new Properties();
    config.putAll(consumerConfig);
    // Aborted or still-open writes of a crashed run must not count as published.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // The window's last offset is often a transaction marker, reached by a fetch that finds no data.
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      consumer.assign(List.of(partition));
      long begin = consumer.beginningOffsets(List.of(partition)).get(partition);
      // Under read_committed this is the last stable offset: nothing of an open transaction.
      long end = consumer.endOffsets(List.of(partition)).get(partition);
      for (long to = end; to > begin; to = Math.max(begin, to - WINDOW)) {
        Optional<ConsumerRecord<String, byte[]>> found = lastInWindow(consumer, partition, key,
            Math.max(begin, to - WINDOW), to);
        if (found.isPresent()) {
          return found;
        }
      }
      return Optional.empty();
    }
  }

  private static Optional<ConsumerRecord<String, byte[]>> lastInWindow(KafkaConsumer<String, byte[]> consumer,
      TopicPartition partition, String key, long from, long to) {
    consumer.seek(partition, from);
    ConsumerRecord<String, byte[]> last = null;
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    // Positions skip transaction markers and aborted records, so compare, never count.
    while (consumer.position(partition) < to) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("Timed out reading " + partition + " offsets " + from + ".." + to);
      }
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200)).records(partition)) {
        if (record.offset() < to && key.equals(record.key())) {
          last = record;
        }
      }
    }
    return Optional.ofNullable(last);
  }
}
