package dev.streamcl.serving;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.MissingTopicException;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaTopics;
import java.util.List;
import java.util.Map;

/**
 * Serving reads requests and model updates co-partitioned by stream id. Without both topics, or with
 * unequal partition counts, Kafka Streams shuts its client down at the first rebalance; checked before
 * the start, the person learns which topic to create.
 */
final class SourceTopics {
  private SourceTopics() {}

  static void require(ClientConfigs clients, Topics topics) {
    String requests = topics.requests().name();
    String updates = topics.modelUpdates().name();
    Map<String, Integer> partitions = KafkaTopics.partitionCounts(clients.admin(), List.of(requests, updates));
    Integer updatePartitions = partitions.get(updates);
    Integer requestPartitions = partitions.get(requests);
    if (updatePartitions == null) {
      throw new MissingTopicException("Topic " + updates + " does not exist on " + clients.bootstrap()
          + ": run the learner job (streamcl learn) first, or check --topic-prefix");
    }
    if (requestPartitions == null) {
      throw new MissingTopicException("Topic " + requests + " does not exist on " + clients.bootstrap() + ": create it "
          + "with " + updatePartitions + " partitions, as many as " + updates + " (serving joins them by stream id), "
          + "and start serve again; or check --topic-prefix");
    }
    if (!requestPartitions.equals(updatePartitions)) {
      throw new IllegalArgumentException("Topic " + requests + " has " + requestPartitions + " partitions but "
          + updates + " has " + updatePartitions + ": serving joins them by stream id, so recreate " + requests
          + " with " + updatePartitions + " partitions");
    }
  }
}
