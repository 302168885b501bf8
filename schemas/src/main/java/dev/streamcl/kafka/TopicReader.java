package dev.streamcl.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/** Reads committed records of a whole topic, or from given offsets, without a consumer group. */
public final class TopicReader implements AutoCloseable {
  /** How long {@link #readAll} waits for transactions whose outcome is being written. */
  private static final Duration SETTLING = Duration.ofSeconds(5);

  private final ClientConfigs clients;
  private final KafkaConsumer<String, byte[]> consumer;
  private final List<TopicPartition> partitions;

  public TopicReader(ClientConfigs clients, String topic) {
    this.clients = clients;
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
    Map<TopicPartition, Long> end = settledEnd();
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
      consumer.poll(Duration.ofMillis(200)).forEach(records::add);
    }
    return records;
  }

  /**
   * The read_committed end (last stable offset), once the transactions that ended are marked: a
   * producer's commit returns before the broker writes its markers, so just after a job's last commit
   * the stable end can still stand before that commit's records. Waits a few seconds at most for the
   * stable end to reach the log's end; a transaction left open by a crashed producer is not waited for.
   */
  private Map<TopicPartition, Long> settledEnd() {
    if (!clients.exactlyOnce()) {
      return endOffsets();
    }
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    long deadline = System.nanoTime() + SETTLING.toNanos();
    try (Admin admin = Admin.create(clients.admin())) {
      Map<TopicPartition, Long> logEnd = new HashMap<>();
      admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all()
          .get(SETTLING.toMillis(), TimeUnit.MILLISECONDS).forEach((tp, info) -> logEnd.put(tp, info.offset()));
      Map<TopicPartition, Long> stable = endOffsets();
      while (!stable.equals(logEnd) && System.nanoTime() < deadline) {
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        stable = endOffsets();
      }
      return stable;
    } catch (ExecutionException | TimeoutException e) {
      return endOffsets();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return endOffsets();
    }
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
