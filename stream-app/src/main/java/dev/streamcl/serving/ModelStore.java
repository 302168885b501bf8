package dev.streamcl.serving;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelDeltas;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.ServableModels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models a serving task holds. In memory: per stream and learner the whole model (snapshot with its deltas
 * applied). In the changelogged store: the updates it was built from, as the learner wrote them — the chunks
 * of its base snapshot and of each delta since — so a delta costs the changelog its own bytes, not the whole
 * model's. Chunks are stored as they arrive, so a snapshot whose chunks straddle a restart still completes.
 * Updates of learners served from their tensors are stored without the portable model (see
 * {@link ServableModels#needsPortableModel}): it is 6.1 of a default KVB snapshot's 9.2 MB, and writing it to
 * the changelog inside serving's transactions held answers back by hundreds of milliseconds.
 * Once the deltas outweigh their base, the whole model is written as the new base (in chunks) and they go.
 *
 * <p>Chunks wait until all parts of a version arrived, deltas apply only on top of their base version, and
 * after a gap nothing is applied until the next snapshot: a reader never serves a model it could not rebuild.
 * Stored under {@code <stream>/<learner>#v<version>#<chunk>} (zero-padded, so they sort by version) and
 * {@code <stream>/<learner>#base} (the base snapshot's version).
 */
final class ModelStore {
  private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);
  private static final String BASE = "#base";
  private static final String VERSION = "#v";

  private final KeyValueStore<String, byte[]> store;
  private final EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
  private final Map<String, Held> held = new HashMap<>();

  /** A whole model and how it is stored: its base snapshot and the deltas applied since (versions, bytes). */
  private record Held(ModelUpdate whole, long baseVersion, long baseBytes, List<Long> deltas, long deltaBytes) {}

  /**
   * A whole model an update completed, to be checked and then kept ({@link #keep}) or dropped ({@link #drop}).
   * {@code record} is the update's bytes as stored, when it came in one record (stored only if kept).
   */
  record Candidate(String modelKey, ModelUpdate whole, ModelUpdate update, byte[] record, long bytes) {}

  ModelStore(KeyValueStore<String, byte[]> store) {
    this.store = store;
  }

  /** The version held for a stream's learner, or 0. */
  long heldVersion(String modelKey) {
    Held h = held.get(modelKey);
    return h == null ? 0 : h.whole().getModelVersion();
  }

  /**
   * The whole model this update completes, if it does: a complete snapshot, or a delta on the version held.
   * Stale versions (not newer than the one held) are ignored. Throws {@link IllegalArgumentException} when
   * the update or its chunks do not make a model.
   */
  Optional<Candidate> accept(ModelUpdate received, byte[] bytes) {
    String key = Topics.modelKey(received.getStreamId(), received.getLearner());
    long version = received.getModelVersion();
    if (version <= heldVersion(key)) {
      return Optional.empty();
    }
    ModelUpdate update = received;
    byte[] kept = bytes;
    if (received.getPortableModel() != null && !ServableModels.needsPortableModel(received.getLearner())) {
      update = ModelUpdate.newBuilder(received).setPortableModel(null).setPortableModelSha256(null).build();
      kept = codec.encode(update);
    }
    ModelUpdate assembled = update;
    long size = kept.length;
    byte[] record = kept;
    if (update.getChunkCount() > 1) {
      store.put(chunkKey(key, version, update.getChunkIndex()), kept);
      List<KeyValue<String, byte[]>> stored = scan(versionPrefix(key, version));
      if (stored.size() < update.getChunkCount()) {
        return Optional.empty();
      }
      // Decode only once the set is complete: a snapshot of n chunks costs n decodes, not n².
      List<ModelUpdate> parts = new ArrayList<>();
      size = 0;
      for (KeyValue<String, byte[]> chunk : stored) {
        parts.add(codec.decode(chunk.value));
        size += chunk.value.length;
      }
      record = null;
      try {
        assembled = ModelUpdateChunks.assemble(parts);
      } catch (IllegalArgumentException e) {
        deleteVersion(key, version);
        throw e;
      }
    }
    Optional<ModelUpdate> whole;
    try {
      whole = applied(key, assembled);
    } catch (IllegalArgumentException e) {
      deleteVersion(key, version);
      throw e;
    }
    if (whole.isEmpty()) {
      deleteVersion(key, version);
      return Optional.empty();
    }
    return Optional.of(new Candidate(key, whole.get(), assembled, record, size));
  }

  /** Keeps a checked candidate: stores what is not stored yet and drops what it makes useless. */
  void keep(Candidate candidate) {
    String key = candidate.modelKey();
    long version = candidate.whole().getModelVersion();
    if (candidate.record() != null) {
      store.put(chunkKey(key, version, 0), candidate.record());
    }
    Held before = held.get(key);
    Held now;
    if (candidate.update().getKind() == UpdateKind.SNAPSHOT) {
      store.put(key + BASE, Long.toString(version).getBytes(StandardCharsets.UTF_8));
      now = new Held(candidate.whole(), version, candidate.bytes(), List.of(), 0);
    } else {
      List<Long> deltas = new ArrayList<>(before.deltas());
      deltas.add(version);
      now = new Held(candidate.whole(), before.baseVersion(), before.baseBytes(), deltas,
          before.deltaBytes() + candidate.bytes());
    }
    held.put(key, now);
    dropUnused(key, now);
    if (now.deltaBytes() > now.baseBytes()) {
      rebase(key, now);
    }
  }

  /** Drops a candidate that failed its checks: nothing of its version stays, so it can never become a base. */
  void drop(Candidate candidate) {
    deleteVersion(candidate.modelKey(), candidate.whole().getModelVersion());
  }

  /** At a task's start: rebuilds every stored model (its base snapshot, then its deltas in order). */
  List<ModelUpdate> restore() {
    Map<String, Long> bases = new TreeMap<>();
    try (KeyValueIterator<String, byte[]> it = store.all()) {
      it.forEachRemaining(kv -> {
        if (kv.key.endsWith(BASE)) {
          bases.put(kv.key.substring(0, kv.key.length() - BASE.length()),
              Long.parseLong(new String(kv.value, StandardCharsets.UTF_8)));
        }
      });
    }
    List<ModelUpdate> restored = new ArrayList<>();
    bases.forEach((key, base) -> {
      try {
        Held h = rebuild(key, base);
        held.put(key, h);
        restored.add(h.whole());
      } catch (RuntimeException e) {
        LOG.warn("Stored model {} (base v{}) cannot be rebuilt and is skipped: {}", key, base, e.getMessage());
      }
    });
    return restored;
  }

  private Held rebuild(String key, long base) {
    Map<Long, List<KeyValue<String, byte[]>>> versions = new TreeMap<>();
    for (KeyValue<String, byte[]> kv : scan(key + VERSION)) {
      versions.computeIfAbsent(versionOf(kv.key), v -> new ArrayList<>()).add(kv);
    }
    Held h = null;
    for (Map.Entry<Long, List<KeyValue<String, byte[]>>> entry : versions.entrySet()) {
      if (entry.getKey() < base) {
        continue;
      }
      List<ModelUpdate> parts = new ArrayList<>();
      long size = 0;
      for (KeyValue<String, byte[]> chunk : entry.getValue()) {
        parts.add(codec.decode(chunk.value));
        size += chunk.value.length;
      }
      if (parts.size() < parts.get(0).getChunkCount()) {
        continue; // a version still arriving
      }
      ModelUpdate update = parts.size() == 1 ? parts.get(0) : ModelUpdateChunks.assemble(parts);
      if (h == null) {
        if (entry.getKey() != base || update.getKind() != UpdateKind.SNAPSHOT) {
          break;
        }
        h = new Held(update, base, size, List.of(), 0);
      } else {
        List<Long> deltas = new ArrayList<>(h.deltas());
        deltas.add(update.getModelVersion());
        h = new Held(ModelDeltas.apply(h.whole(), update), base, h.baseBytes(), deltas, h.deltaBytes() + size);
      }
    }
    if (h == null) {
      throw new IllegalStateException("the chunks of its base are missing");
    }
    return h;
  }

  private Optional<ModelUpdate> applied(String key, ModelUpdate update) {
    if (update.getKind() == UpdateKind.SNAPSHOT) {
      return Optional.of(update);
    }
    Held h = held.get(key);
    if (h == null || update.getBaseVersion() == null || update.getBaseVersion() != h.whole().getModelVersion()) {
      return Optional.empty();
    }
    return Optional.of(ModelDeltas.apply(h.whole(), update));
  }

  /** Everything stored for a model below the version now held, except its base and deltas. */
  private void dropUnused(String key, Held now) {
    List<String> unused = new ArrayList<>();
    for (KeyValue<String, byte[]> kv : scan(key + VERSION)) {
      long version = versionOf(kv.key);
      if (version < now.whole().getModelVersion() && version != now.baseVersion() && !now.deltas().contains(version)) {
        unused.add(kv.key);
      }
    }
    unused.forEach(store::delete);
  }

  /** Writes the whole model as the new base, in chunks, in place of the old base and its deltas. */
  private void rebase(String key, Held now) {
    long version = now.whole().getModelVersion();
    for (KeyValue<String, byte[]> kv : scan(key + VERSION)) {
      if (versionOf(kv.key) <= version) {
        store.delete(kv.key);
      }
    }
    long bytes = 0;
    for (ModelUpdate chunk : ModelUpdateChunks.split(now.whole(), ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES)) {
      byte[] encoded = codec.encode(chunk);
      store.put(chunkKey(key, version, chunk.getChunkIndex()), encoded);
      bytes += encoded.length;
    }
    store.put(key + BASE, Long.toString(version).getBytes(StandardCharsets.UTF_8));
    held.put(key, new Held(now.whole(), version, bytes, List.of(), 0));
  }

  private void deleteVersion(String key, long version) {
    scan(versionPrefix(key, version)).forEach(kv -> store.delete(kv.key));
  }

  private List<KeyValue<String, byte[]>> scan(String prefix) {
    List<KeyValue<String, byte[]>> found = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, new StringSerializer())) {
      it.forEachRemaining(found::add);
    }
    return found;
  }

  private static String versionPrefix(String key, long version) {
    return key + VERSION + String.format("%019d", version) + "#";
  }

  private static String chunkKey(String key, long version, int chunk) {
    return versionPrefix(key, version) + String.format("%06d", chunk);
  }

  private static long versionOf(String chunkKey) {
    String[] parts = chunkKey.split("#");
    return Long.parseLong(parts[parts.length - 2].substring(1));
  }
}
