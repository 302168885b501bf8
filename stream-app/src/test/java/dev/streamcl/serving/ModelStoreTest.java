package dev.streamcl.serving;

import static dev.streamcl.serving.ServingFixtures.STREAM;
import static dev.streamcl.serving.ServingFixtures.kvbDelta;
import static dev.streamcl.serving.ServingFixtures.kvbSnapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelDeltas;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.NamedTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * The changelogged model store keeps updates as the learner wrote them: a delta costs it the delta's bytes,
 * a start rebuilds the whole model (snapshot, then deltas), deltas that outweigh their base are folded into a
 * new base, chunks that arrived before a restart still complete their snapshot, and a portable model is
 * stored only for a learner served by it.
 */
class ModelStoreTest {
  /** Small enough to cut the tiny KVB snapshot into several chunks. */
  private static final int CHUNK_BYTES = 300;

  private final EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
  private final KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(
      Stores.inMemoryKeyValueStore(ServingTopology.MODELS_STORE), Serdes.String(), Serdes.ByteArray())
      .withLoggingDisabled().build();
  private final ModelUpdate v1 = ModelUpdateChunks.withPortableModelDigest(
      kvbSnapshot(ServingFixtures.pixelsIdentity(), STREAM));

  ModelStoreTest() {
    store.init(new MockProcessorContext<>().getStateStoreContext(), store);
  }

  @Test
  void deltasAreStoredAsTheyCameAndAStartRebuildsTheWholeModel() {
    ModelStore models = new ModelStore(store);
    keepChunked(models, v1);
    ModelUpdate reference = v1;
    for (long version = 2; version <= 4; version++) {
      ModelUpdate delta = kvbDelta(v1, version);
      byte[] bytes = codec.encode(delta);
      Map<String, byte[]> before = contents();
      models.keep(models.accept(delta, bytes).orElseThrow());
      reference = ModelDeltas.apply(reference, delta);

      Map<String, byte[]> added = contents();
      added.keySet().removeAll(before.keySet());
      assertEquals(1, added.size(), "one record per delta");
      assertArrayEquals(bytes, added.values().iterator().next(), "the delta as it came, not the whole model");
    }

    List<ModelUpdate> restored = new ModelStore(store).restore();
    assertEquals(1, restored.size());
    assertSameModel(reference, restored.get(0));
  }

  @Test
  void onceDeltasOutweighTheirBaseTheWholeModelIsTheNewBase() {
    ModelStore models = new ModelStore(store);
    keepChunked(models, v1);
    int baseRecords = contents().size();
    ModelUpdate reference = v1;
    long version = 1;
    while (contents().keySet().stream().anyMatch(k -> k.contains(versionTag(1)))) {
      version++;
      assertTrue(version < 100, "the deltas never became the base");
      ModelUpdate delta = kvbDelta(v1, version);
      models.keep(models.accept(delta, codec.encode(delta)).orElseThrow());
      reference = ModelDeltas.apply(reference, delta);
    }
    final long rebasedAt = version;
    assertTrue(rebasedAt > 2, "a few deltas first: their bytes had to outweigh the base's");
    assertTrue(contents().keySet().stream().filter(k -> !k.endsWith("#base"))
        .allMatch(k -> k.contains(versionTag(rebasedAt))), "only the new base is stored");
    assertTrue(baseRecords > 1, "the fixture's base came in chunks");

    assertSameModel(reference, new ModelStore(store).restore().get(0));
    ModelUpdate next = kvbDelta(v1, rebasedAt + 1);
    ModelStore restarted = new ModelStore(store);
    restarted.restore();
    assertTrue(restarted.accept(next, codec.encode(next)).isPresent(), "a delta on the rebased version applies");
  }

  @Test
  void chunksThatArrivedBeforeARestartStillCompleteTheirSnapshot() {
    List<ModelUpdate> chunks = ModelUpdateChunks.split(v1, CHUNK_BYTES);
    ModelStore before = new ModelStore(store);
    for (ModelUpdate chunk : chunks.subList(0, chunks.size() - 1)) {
      assertEquals(Optional.empty(), before.accept(chunk, codec.encode(chunk)));
    }

    ModelStore after = new ModelStore(store);
    assertEquals(List.of(), after.restore(), "an incomplete snapshot is no model");
    ModelUpdate last = chunks.get(chunks.size() - 1);
    ModelStore.Candidate candidate = after.accept(last, codec.encode(last)).orElseThrow();
    assertSameModel(v1, candidate.whole());
  }

  @Test
  void aDroppedCandidateLeavesNothingBehind() {
    ModelStore models = new ModelStore(store);
    List<ModelUpdate> chunks = ModelUpdateChunks.split(v1, CHUNK_BYTES);
    Optional<ModelStore.Candidate> candidate = Optional.empty();
    for (ModelUpdate chunk : chunks) {
      candidate = models.accept(chunk, codec.encode(chunk));
    }
    models.drop(candidate.orElseThrow());
    assertEquals(Map.of(), contents());
    assertEquals(0, models.heldVersion(candidate.get().modelKey()));
  }

  @Test
  void aLearnerServedFromItsTensorsIsStoredWithoutItsPortableModel() {
    ModelStore models = new ModelStore(store);
    long received = keepChunked(models, v1);
    int portableBytes = v1.getPortableModel().remaining();
    long stored = contents().values().stream().mapToLong(bytes -> bytes.length).sum();
    assertTrue(stored <= received - portableBytes, "stored " + stored + " of " + received + " bytes received, "
        + portableBytes + " of them the portable model");
    ModelUpdate restored = new ModelStore(store).restore().get(0);
    assertSameModel(v1, restored);
    assertNull(restored.getPortableModel());
  }

  @Test
  void aLearnerServedByItsPortableHeadKeepsIt() {
    ModelUpdate head = ModelUpdateChunks.withPortableModelDigest(ModelUpdate.newBuilder(v1).setLearner("er").build());
    ModelStore models = new ModelStore(store);
    keepChunked(models, head);
    ModelUpdate restored = new ModelStore(store).restore().get(0);
    assertSameModel(head, restored);
    assertEquals(head.getPortableModel(), restored.getPortableModel());
  }

  /** Keeps a snapshot that came in chunks; returns the bytes of its records. */
  private long keepChunked(ModelStore models, ModelUpdate snapshot) {
    List<ModelUpdate> chunks = ModelUpdateChunks.split(snapshot, CHUNK_BYTES);
    assertTrue(chunks.size() > 2, "several chunks, got " + chunks.size());
    Optional<ModelStore.Candidate> candidate = Optional.empty();
    long bytes = 0;
    for (ModelUpdate chunk : chunks) {
      byte[] record = codec.encode(chunk);
      bytes += record.length;
      candidate = models.accept(chunk, record);
    }
    models.keep(candidate.orElseThrow());
    return bytes;
  }

  /** How the store names the records of a version. */
  private static String versionTag(long version) {
    return "#v" + String.format("%019d", version) + "#";
  }

  private Map<String, byte[]> contents() {
    Map<String, byte[]> all = new TreeMap<>();
    store.all().forEachRemaining(kv -> all.put(kv.key, kv.value));
    return all;
  }

  private static void assertSameModel(ModelUpdate expected, ModelUpdate actual) {
    assertEquals(expected.getModelVersion(), actual.getModelVersion());
    assertEquals(names(expected), names(actual));
    for (NamedTensor tensor : expected.getTensors()) {
      NamedTensor other = actual.getTensors().stream().filter(t -> t.getName().equals(tensor.getName()))
          .findFirst().orElseThrow();
      assertArrayEquals(FloatBytes.toFloats(tensor.getValues()), FloatBytes.toFloats(other.getValues()),
          tensor.getName());
    }
  }

  private static List<String> names(ModelUpdate update) {
    List<String> names = new ArrayList<>();
    update.getTensors().forEach(t -> names.add(t.getName()));
    names.sort(null);
    return names;
  }
}
