package dev.streamcl.serving;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelDeltas;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.kafka.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Turns the model-update stream into whole models, kept in a changelogged store: chunks wait until
 * all parts of a version arrived, deltas apply only on top of their base version, and after a gap
 * nothing is applied until the next snapshot — a reader never serves a model it could not rebuild.
 */
final class ModelUpdateApplier {
  private final KeyValueStore<String, byte[]> models;
  private final KeyValueStore<String, byte[]> chunks;
  private final EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();

  ModelUpdateApplier(KeyValueStore<String, byte[]> models, KeyValueStore<String, byte[]> chunks) {
    this.models = models;
    this.chunks = chunks;
  }

  /**
   * Returns the new whole model when this update completed one, else empty. Nothing is stored until
   * {@link #commit}: the caller first checks that the model can be served.
   */
  Optional<ModelUpdate> accept(ModelUpdate update) {
    return assembled(update).flatMap(this::applyWhole);
  }

  void commit(ModelUpdate whole) {
    String key = Topics.modelKey(whole.getStreamId(), whole.getLearner());
    models.put(key, codec.encode(whole));
    dropChunksUpTo(key, whole.getModelVersion());
  }

  /** Chunks of versions at or below the held one can never be used: a crashed writer's leftovers. */
  private void dropChunksUpTo(String modelKey, long version) {
    List<String> stale = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = chunks.prefixScan(modelKey + "#", new StringSerializer())) {
      it.forEachRemaining(kv -> {
        String[] parts = kv.key.split("#");
        if (Long.parseLong(parts[parts.length - 2]) <= version) {
          stale.add(kv.key);
        }
      });
    }
    stale.forEach(chunks::delete);
  }

  Optional<ModelUpdate> current(String modelKey) {
    byte[] bytes = models.get(modelKey);
    return bytes == null ? Optional.empty() : Optional.of(codec.decode(bytes));
  }

  List<ModelUpdate> all() {
    List<ModelUpdate> whole = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = models.all()) {
      it.forEachRemaining(kv -> whole.add(codec.decode(kv.value)));
    }
    return whole;
  }

  private Optional<ModelUpdate> assembled(ModelUpdate update) {
    if (update.getChunkCount() <= 1) {
      return Optional.of(update);
    }
    String prefix = Topics.modelKey(update.getStreamId(), update.getLearner()) + "#" + update.getModelVersion() + "#";
    chunks.put(prefix + String.format("%06d", update.getChunkIndex()), codec.encode(update));
    List<KeyValue<String, byte[]>> stored = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = chunks.prefixScan(prefix, new StringSerializer())) {
      it.forEachRemaining(stored::add);
    }
    // Decode only once the set is complete: a snapshot of n chunks costs n decodes, not n².
    if (stored.size() < update.getChunkCount()) {
      return Optional.empty();
    }
    List<ModelUpdate> parts = new ArrayList<>();
    for (KeyValue<String, byte[]> chunk : stored) {
      parts.add(codec.decode(chunk.value));
      chunks.delete(chunk.key);
    }
    return Optional.of(ModelUpdateChunks.assemble(parts));
  }

  private Optional<ModelUpdate> applyWhole(ModelUpdate update) {
    String key = Topics.modelKey(update.getStreamId(), update.getLearner());
    Optional<ModelUpdate> current = current(key);
    long held = current.map(ModelUpdate::getModelVersion).orElse(0L);
    if (update.getModelVersion() <= held) {
      return Optional.empty();
    }
    ModelUpdate whole;
    if (update.getKind() == UpdateKind.SNAPSHOT) {
      whole = update;
    } else if (current.isPresent() && update.getBaseVersion() != null && update.getBaseVersion() == held) {
      whole = ModelDeltas.apply(current.get(), update);
    } else {
      return Optional.empty();
    }
    return Optional.of(whole);
  }
}
