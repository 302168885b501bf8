package dev.streamcl.flink;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.kafka.ClientConfigs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The model-update records a job committed, each as the encoded bytes read from Kafka, by (stream,
 * learner, version, chunk): what two runs are compared by.
 */
final class PublishedUpdates {
  private final Map<String, byte[]> records = new TreeMap<>();
  private final Map<String, TreeSet<Long>> versions = new TreeMap<>();
  private int duplicated;

  /** The committed records of {@code topic} whose update {@code which} accepts. */
  static PublishedUpdates read(ClientConfigs clients, String topic, Predicate<ModelUpdate> which) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    PublishedUpdates updates = new PublishedUpdates();
    for (ConsumerRecord<String, byte[]> record : Committed.records(clients, topic)) {
      ModelUpdate update = codec.decode(record.value());
      if (which.test(update)) {
        updates.add(update, record.value());
      }
    }
    return updates;
  }

  private void add(ModelUpdate update, byte[] value) {
    String model = update.getStreamId() + "/" + update.getLearner();
    String key = model + "/v" + update.getModelVersion() + "/chunk" + update.getChunkIndex();
    duplicated += records.put(key, value) == null ? 0 : 1;
    versions.computeIfAbsent(model, m -> new TreeSet<>()).add(update.getModelVersion());
  }

  int size() {
    return records.size();
  }

  /** Records read more than once. */
  int duplicated() {
    return duplicated;
  }

  /** The (stream/learner) models that published. */
  List<String> models() {
    return List.copyOf(versions.keySet());
  }

  /** Records of {@code expected} that are not here. */
  long missingFrom(PublishedUpdates expected) {
    return expected.records.keySet().stream().filter(key -> !records.containsKey(key)).count();
  }

  /** Records here whose bytes differ from the same record of {@code expected}, or that it lacks. */
  long differentFrom(PublishedUpdates expected) {
    return records.entrySet().stream()
        .filter(e -> !Arrays.equals(e.getValue(), expected.records.get(e.getKey()))).count();
  }

  /** Models whose versions are not exactly 1, 2, ... n, each with its versions. */
  List<String> versionGaps() {
    List<String> gaps = new ArrayList<>();
    versions.forEach((model, seen) -> {
      if (seen.first() != 1 || seen.last() != seen.size()) {
        gaps.add(model + " " + seen);
      }
    });
    return gaps;
  }
}
