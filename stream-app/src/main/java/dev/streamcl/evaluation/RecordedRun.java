package dev.streamcl.evaluation;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.flink.JobProperties;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What a finished learner run left on its model-updates topic: every update's bytes per stream and
 * learner, the job configuration recorded in them, and how far into the samples topic it read. That
 * is enough to run the same job again on the same samples ({@code streamcl replay}).
 */
public final class RecordedRun {
  /** Encoded update records (chunks included) per "stream/learner", in topic order. */
  private final Map<String, List<byte[]>> updates;
  private final Map<String, ModelUpdate> newest;
  private final Map<String, String> jobProperties;

  private RecordedRun(Map<String, List<byte[]>> updates, Map<String, ModelUpdate> newest,
      Map<String, String> jobProperties) {
    this.updates = updates;
    this.newest = newest;
    this.jobProperties = jobProperties;
  }

  /** Reads a model-updates topic; fails with what to do when it is empty or mixes runs of different configurations. */
  public static RecordedRun read(ClientConfigs clients, String modelUpdatesTopic) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    Map<String, List<byte[]>> updates = new TreeMap<>();
    Map<String, ModelUpdate> newest = new TreeMap<>();
    Map<String, String> job = null;
    try (TopicReader reader = new TopicReader(clients, modelUpdatesTopic)) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        ModelUpdate update = codec.decode(record.value());
        String key = update.getStreamId() + "/" + update.getLearner();
        updates.computeIfAbsent(key, k -> new ArrayList<>()).add(record.value());
        newest.merge(key, update, (a, b) -> b.getModelVersion() >= a.getModelVersion() ? b : a);
        Map<String, String> recorded = JobProperties.recordedIn(update);
        if (job != null && !job.equals(recorded)) {
          throw new IllegalArgumentException(modelUpdatesTopic + " holds model updates of runs with different "
              + "configurations (" + update.getStreamId() + "/" + update.getLearner() + " v" + update.getModelVersion()
              + "): replay needs the topics of one run; use a fresh --topic-prefix per experiment");
        }
        job = recorded;
      }
    }
    if (job == null) {
      throw new IllegalArgumentException(
          modelUpdatesTopic + " holds no model updates: run `streamcl learn --bounded` first");
    }
    return new RecordedRun(updates, newest, job);
  }

  public Map<String, String> jobProperties() {
    return jobProperties;
  }

  /** "stream/learner" keys, sorted. */
  public List<String> models() {
    return List.copyOf(updates.keySet());
  }

  public List<String> streams() {
    return newest.values().stream().map(ModelUpdate::getStreamId).distinct().sorted().toList();
  }

  /** The samples topic the run learned from, as its final versions recorded it. */
  public String samplesTopic() {
    List<String> named = newest.values().stream().flatMap(u -> u.getSourceOffsets().stream())
        .map(SourceOffset::getTopic).distinct().sorted().toList();
    if (named.size() != 1) {
      throw new IllegalArgumentException("The final model versions name " + (named.isEmpty() ? "no samples topic"
          : "several samples topics " + named) + ": a replay needs the run of one job on one samples topic");
    }
    return named.get(0);
  }

  /**
   * Where a replay stops reading {@code samplesTopic}: one past the newest offset any final version
   * learned from, per partition; partitions no version learned from are not read at all.
   */
  public Map<TopicPartition, Long> stopOffsets(ClientConfigs clients, String samplesTopic) {
    Map<Integer, Long> learnedThrough = new HashMap<>();
    for (ModelUpdate update : newest.values()) {
      for (SourceOffset offset : update.getSourceOffsets()) {
        if (offset.getTopic().equals(samplesTopic)) {
          learnedThrough.merge(offset.getPartition(), offset.getOffset() + 1, Math::max);
        }
      }
    }
    Map<TopicPartition, Long> stop = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null))) {
      List<TopicPartition> partitions = consumer.partitionsFor(samplesTopic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(samplesTopic, p.partition())).toList();
      Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
      for (TopicPartition partition : partitions) {
        stop.put(partition, learnedThrough.getOrDefault(partition.partition(), beginning.get(partition)));
      }
    }
    return stop;
  }

  /**
   * The current end of a topic the run read whole (KVB's key-init topic: its samples seed the keys
   * but are never learned, so no version records how far it was read).
   */
  public static Map<TopicPartition, Long> endOffsets(ClientConfigs clients, String topic) {
    try (TopicReader reader = new TopicReader(clients, topic)) {
      return reader.endOffsets();
    }
  }

  /** Where this run and {@code other} differ, one line per model; empty when every update is byte-identical. */
  public List<String> differencesFrom(RecordedRun other) {
    List<String> differences = new ArrayList<>();
    List<String> keys = new ArrayList<>(updates.keySet());
    other.updates.keySet().stream().filter(k -> !updates.containsKey(k)).forEach(keys::add);
    for (String key : keys) {
      List<byte[]> mine = updates.getOrDefault(key, List.of());
      List<byte[]> theirs = other.updates.getOrDefault(key, List.of());
      int same = 0;
      while (same < Math.min(mine.size(), theirs.size()) && Arrays.equals(mine.get(same), theirs.get(same))) {
        same++;
      }
      if (same < mine.size() || same < theirs.size()) {
        differences.add(key + ": " + mine.size() + " vs " + theirs.size() + " update records, the first "
            + same + " identical");
      }
    }
    return differences;
  }

  /** The encoded update records of one model ("stream/learner"), chunks included, in topic order. */
  public List<byte[]> updates(String model) {
    return Objects.requireNonNullElse(updates.get(model), List.of());
  }

  /** Versions of each learner on {@code streamId}, in topic order (chunks counted once), by learner name. */
  public Map<String, List<Long>> versionsByLearner(String streamId) {
    Map<String, List<Long>> byLearner = new TreeMap<>();
    newest.forEach((model, update) -> {
      if (update.getStreamId().equals(streamId)) {
        byLearner.put(update.getLearner(), versions(model));
      }
    });
    return byLearner;
  }

  /** Versions of one model in topic order (chunks counted once). */
  public List<Long> versions(String model) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    return Objects.requireNonNullElse(updates.get(model), List.<byte[]>of()).stream().map(codec::decode)
        .filter(u -> u.getChunkIndex() == 0).map(ModelUpdate::getModelVersion).toList();
  }
}
