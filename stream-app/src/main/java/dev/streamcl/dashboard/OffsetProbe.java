package dev.streamcl.dashboard;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.serving.ServingService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Reads offsets with the Admin API: the samples topic's end offsets (for the learner job's lag and the publishing
 * rate) and the serving group's committed offsets on the requests topic. Each call gives up after a few seconds,
 * so an unreachable broker slows the dashboard's figures, never its page.
 */
final class OffsetProbe implements AutoCloseable {
  private static final long TIMEOUT_MS = 4_000;
  /** Offsets read back at the end of each samples partition: the learner lag is exact when it is this small. */
  static final int TAIL = 32;

  private final Admin admin;
  /** Reads the samples at the partitions' ends; not in any group, read_committed as the learner job reads. */
  private final KafkaConsumer<String, byte[]> tail;
  private final Topics topics;
  private final ListOffsetsOptions committed = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);

  OffsetProbe(ClientConfigs clients, Topics topics) {
    Properties config = clients.admin();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamcl-dashboard-" + topics.prefix());
    this.admin = Admin.create(config);
    Properties consumer = clients.consumer(null);
    consumer.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumer.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamcl-dashboard-tail-" + topics.prefix());
    consumer.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(TAIL));
    this.tail = new KafkaConsumer<>(consumer);
    this.topics = topics;
  }

  /** Kafka Streams' group id is its application.id. */
  static String servingGroup(Topics topics) {
    return ServingService.applicationId(topics);
  }

  /**
   * The samples topic's partitions, with the records among their last {@value #TAIL} offsets; empty while the topic
   * does not exist. A tail not read within the timeout is left unread.
   */
  Map<Integer, PartitionTail> samplesTails() throws InterruptedException {
    Map<TopicPartition, Long> ends = endOffsets(topics.samples().name());
    Map<TopicPartition, List<Long>> records = new HashMap<>();
    tail.assign(ends.keySet());
    ends.forEach((tp, end) -> {
      tail.seek(tp, Math.max(0, end - TAIL));
      records.put(tp, new ArrayList<>());
    });
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
    while (ends.entrySet().stream().anyMatch(end -> tail.position(end.getKey()) < end.getValue())
        && System.nanoTime() < deadline) {
      for (ConsumerRecord<String, byte[]> record : tail.poll(Duration.ofMillis(100))) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        if (record.offset() < ends.get(tp)) {
          records.get(tp).add(record.offset());
        }
      }
    }
    Map<Integer, PartitionTail> tails = new HashMap<>();
    ends.forEach((tp, end) -> tails.put(tp.partition(), tail.position(tp) >= end
        ? new PartitionTail(end, Math.max(0, end - TAIL), records.get(tp).stream().mapToLong(Long::longValue).toArray())
        : PartitionTail.unread(end)));
    return tails;
  }

  /** Serving's lag, or empty when its group has no member (serving is not running) or cannot be described. */
  Optional<ServingLag> servingLag() throws InterruptedException {
    String group = servingGroup(topics);
    try {
      ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).describedGroups()
          .get(group).get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      if (description.members().isEmpty() || description.groupState() == GroupState.DEAD) {
        return Optional.empty();
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
          .partitionsToOffsetAndMetadata().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      long lag = 0;
      for (Map.Entry<TopicPartition, Long> end : endOffsets(topics.requests().name()).entrySet()) {
        OffsetAndMetadata at = offsets.get(end.getKey());
        lag += Math.max(0, end.getValue() - (at == null ? 0 : at.offset()));
      }
      return Optional.of(new ServingLag(group, description.groupState().toString(), description.members().size(),
          lag));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return Optional.empty();
      }
      throw new IllegalStateException("Cannot read the serving group " + group + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("No answer about the serving group " + group + " within " + TIMEOUT_MS
          + " ms", e);
    }
  }

  private Map<TopicPartition, Long> endOffsets(String topic) throws InterruptedException {
    try {
      TopicDescription description = admin.describeTopics(List.of(topic)).topicNameValues().get(topic)
          .get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
      Map<TopicPartition, Long> ends = new HashMap<>();
      admin.listOffsets(latest, committed).all().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .forEach((tp, info) -> ends.put(tp, info.offset()));
      return ends;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return Map.of();
      }
      throw new IllegalStateException("Cannot read the end offsets of " + topic + ": " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("No end offsets of " + topic + " within " + TIMEOUT_MS + " ms", e);
    }
  }

  @Override
  public void close() {
    tail.close();
    admin.close();
  }
}
