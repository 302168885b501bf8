package dev.streamcl.flink;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.MissingTopicException;
import dev.streamcl.kafka.TopicReader;
import java.io.Serializable;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How many warm-up samples (KVB's key-init samples) each stream had in each warm-up topic when the job started,
 * counted by record key (the stream id, as samples are keyed). A learner waits for at most that many, and a
 * stream with none fits on its own first samples at once instead of waiting for a topic nobody fills.
 * {@link #UNCOUNTED} (jobs on sources other than Kafka) keeps the plain rule: wait for the samples wanted.
 */
public record WarmupSupply(Map<String, Map<String, Integer>> byTopic) implements Serializable {
  public static final WarmupSupply UNCOUNTED = new WarmupSupply(null);

  /** Samples of {@code streamId} in {@code topic} at job start; -1 when not counted. */
  public int samples(String topic, String streamId) {
    if (byTopic == null) {
      return -1;
    }
    return byTopic.getOrDefault(topic, Map.of()).getOrDefault(streamId, 0);
  }

  /** Counts the committed records of each topic per key, reading each to its end as of now. */
  public static WarmupSupply count(ClientConfigs clients, Collection<String> topics) {
    Map<String, Map<String, Integer>> counts = new HashMap<>();
    for (String topic : topics) {
      Map<String, Integer> byKey = new HashMap<>();
      try (TopicReader reader = new TopicReader(clients, topic)) {
        reader.readAll().forEach(record -> byKey.merge(String.valueOf(record.key()), 1, Integer::sum));
      } catch (MissingTopicException noTopic) {
        // nobody created it: no stream has warm-up samples there
      }
      counts.put(topic, byKey);
    }
    return new WarmupSupply(counts);
  }

  /** Whether {@code topic} was counted and held nothing. */
  public boolean isEmpty(String topic) {
    return byTopic != null && byTopic.getOrDefault(topic, Map.of()).isEmpty();
  }

  /** One line per topic for the person starting the job: what each stream's warm-up will use. */
  public String describe(String topic, int wanted) {
    Map<String, Integer> streams = byTopic == null ? null : byTopic.getOrDefault(topic, Map.of());
    if (streams == null) {
      return null;
    }
    if (streams.isEmpty()) {
      return topic + " holds no samples: KVB fits each stream's keys on the stream's own first " + wanted
          + " samples, which cover only its first task's inputs. Fill it with `streamcl publish <scenario>"
          + " --key-init-samples " + wanted + "` (unlabelled samples of every class) before the job starts.";
    }
    return topic + " holds " + streams.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> String.format("%,d samples of stream %s", e.getValue(), e.getKey()))
        .collect(Collectors.joining(", ")) + "; KVB fits keys on up to " + String.format("%,d", wanted)
        + " of them, and streams with none there on their own first samples.";
  }
}
