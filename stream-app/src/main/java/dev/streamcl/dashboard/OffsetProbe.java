package dev.streamcl.dashboard;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
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

  private final Admin admin;
  private final Topics topics;
  private final ListOffsetsOptions committed = new ListOffsetsOptions(IsolationLevel.READ_COMMITTED);

  OffsetProbe(ClientConfigs clients, Topics topics) {
    Properties config = clients.admin();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(TIMEOUT_MS));
    config.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamcl-dashboard-" + topics.prefix());
    this.admin = Admin.create(config);
    this.topics = topics;
  }

  /** Kafka Streams' group id is its application.id, which {@code ServingService} names after the topic prefix. */
  static String servingGroup(Topics topics) {
    return "streamcl-serving-" + topics.prefix();
  }

  /** Partition to read_committed end offset of the samples topic; empty while the topic does not exist. */
  Map<Integer, Long> samplesEndOffsets() throws InterruptedException {
    Map<Integer, Long> ends = new HashMap<>();
    endOffsets(topics.samples().name()).forEach((tp, end) -> ends.put(tp.partition(), end));
    return ends;
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
    admin.close();
  }
}
