package dev.streamcl.ops;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/** Creates topics through the AdminClient and waits until every partition has a leader. */
public final class KafkaTopics {
  private static final long TIMEOUT_MS = 60_000;
  private static final long POLL_MS = 50;

  private KafkaTopics() {}

  public static Map<String, Integer> create(String bootstrap, int partitions, String... topics) {
    Properties admin = new Properties();
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    return create(admin, partitions, Arrays.asList(topics));
  }

  /**
   * Creates the topics that do not exist (replication factor: the broker default) and waits until all
   * of them are usable. Existing topics are kept as they are.
   *
   * @return the actual partition count of each topic, which differs from {@code partitions} for a
   *     topic that already existed with another count
   */
  public static Map<String, Integer> create(Properties adminConfig, int partitions, Collection<String> topics) {
    return create(adminConfig, partitions, topics, Map.of());
  }

  /** As {@link #create(Properties, int, Collection)}, giving new topics these topic configs. */
  public static Map<String, Integer> create(Properties adminConfig, int partitions, Collection<String> topics,
      Map<String, String> topicConfigs) {
    try (Admin admin = Admin.create(adminConfig)) {
      createMissing(admin, partitions, topics, topicConfigs);
      return awaitLeaders(admin, Set.copyOf(topics));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topics " + topics, e);
    }
  }

  /** The partition count of each of {@code topics} that exists; the missing ones are left out. */
  public static Map<String, Integer> partitionCounts(Properties adminConfig, Collection<String> topics) {
    Map<String, Integer> counts = new TreeMap<>();
    describe(adminConfig, topics).forEach((topic, description) -> counts.put(topic, description.partitions().size()));
    return counts;
  }

  /** The description (partitions, topic id) of each of {@code topics} that exists; the missing ones are left out. */
  public static Map<String, TopicDescription> describe(Properties adminConfig, Collection<String> topics) {
    Map<String, TopicDescription> descriptions = new TreeMap<>();
    try (Admin admin = Admin.create(adminConfig)) {
      for (var described : admin.describeTopics(topics).topicNameValues().entrySet()) {
        try {
          descriptions.put(described.getKey(), described.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw new IllegalStateException("Cannot describe topic " + described.getKey() + ": "
                + e.getCause().getMessage(), e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while describing topics " + topics, e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Timed out describing topics " + topics, e);
    }
    return descriptions;
  }

  private static void createMissing(Admin admin, int partitions, Collection<String> topics,
      Map<String, String> topicConfigs) throws InterruptedException {
    List<NewTopic> requests = topics.stream()
        .map(name -> new NewTopic(name, Optional.of(partitions), Optional.empty()).configs(topicConfigs))
        .toList();
    for (var result : admin.createTopics(requests).values().entrySet()) {
      try {
        result.getValue().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("Cannot create topic " + result.getKey() + ": "
              + e.getCause().getMessage(), e.getCause());
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException("Timed out creating topic " + result.getKey(), e);
      }
    }
  }

  /** Creation is acknowledged before the leaders are elected; producers need the leaders. */
  private static Map<String, Integer> awaitLeaders(Admin admin, Set<String> topics) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TIMEOUT_MS;
    while (true) {
      try {
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get();
        if (described.values().stream().allMatch(KafkaTopics::allLeadersElected)) {
          Map<String, Integer> counts = new TreeMap<>();
          described.forEach((name, d) -> counts.put(name, d.partitions().size()));
          return counts;
        }
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException("Cannot describe topics " + topics, e.getCause());
        }
      }
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("Topics " + topics + " have no leaders after " + TIMEOUT_MS + " ms");
      }
      Thread.sleep(POLL_MS);
    }
  }

  private static boolean allLeadersElected(TopicDescription description) {
    return description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
  }
}
