package dev.streamcl.learner.kvb;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The published form of a key-value bottleneck. A snapshot carries the frozen keys and all values
 * (the projection is regenerated from its seed, a property); a delta carries only the value rows
 * touched since its base version — the bottleneck's localised updates make it sparse.
 */
public final class KeyValueBottleneckModel {
  public static final String LEARNER = "kvb";
  public static final String KEYS = "keys";
  public static final String VALUES = "values";

  private KeyValueBottleneckModel() {}

  public static ModelUpdate snapshot(String streamId, long version, KeyValueBottleneck state, EncoderIdentity encoder,
      List<SourceOffset> offsets, Instant createdAt) {
    KvbConfig config = state.config();
    List<NamedTensor> tensors = List.of(
        dense(KEYS, config.valueRows(), config.keyDim(), state.keys()),
        dense(VALUES, config.valueRows(), config.classes(), state.values()));
    return base(streamId, version, state, encoder, offsets, createdAt).setKind(UpdateKind.SNAPSHOT)
        .setBaseVersion(null).setTensors(tensors).build();
  }

  /** The value rows touched since {@code baseVersion}; the caller clears the touched rows afterwards. */
  public static ModelUpdate delta(String streamId, long version, long baseVersion, KeyValueBottleneck state,
      EncoderIdentity encoder, List<SourceOffset> offsets, Instant createdAt) {
    KvbConfig config = state.config();
    int[] rows = state.touchedRows();
    NamedTensor values = NamedTensor.newBuilder().setName(VALUES).setShape(List.of(config.valueRows(), config.classes()))
        .setRowIndices(IntStream.of(rows).boxed().toList()).setValues(FloatBytes.toBytes(state.valueRows(rows))).build();
    return base(streamId, version, state, encoder, offsets, createdAt).setKind(UpdateKind.DELTA)
        .setBaseVersion(baseVersion).setTensors(List.of(values)).build();
  }

  /** Rebuilds the bottleneck from a whole (assembled, delta-applied) snapshot. */
  public static KeyValueBottleneck fromSnapshot(ModelUpdate snapshot) {
    Map<String, String> p = snapshot.getProperties();
    KvbConfig config;
    try {
      config = new KvbConfig(intOf(p, "codebooks"), intOf(p, "keysPerCodebook"), intOf(p, "keyDim"), intOf(p, "topK"),
          intOf(p, "classes"), Double.parseDouble(p.get("learningRate")), Double.parseDouble(p.get("labelSmoothing")),
          Long.parseLong(p.get("seed")), Double.parseDouble(p.get("emaDecay")),
          Double.parseDouble(p.get("deadKeyFactor")), intOf(p, "keyInitSamples"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("KVB model update v" + snapshot.getModelVersion()
          + " lacks or garbles its settings " + p + ": " + e.getMessage(), e);
    }
    return KeyValueBottleneck.of(config, snapshot.getEncoderIdentity().getOutputDim(), tensor(snapshot, KEYS),
        tensor(snapshot, VALUES), snapshot.getSamplesSeen(), snapshot.getLabelledSeen());
  }

  private static ModelUpdate.Builder base(String streamId, long version, KeyValueBottleneck state,
      EncoderIdentity encoder, List<SourceOffset> offsets, Instant createdAt) {
    KvbConfig c = state.config();
    Map<String, String> properties = new HashMap<>();
    properties.put("codebooks", Integer.toString(c.codebooks()));
    properties.put("keysPerCodebook", Integer.toString(c.keysPerCodebook()));
    properties.put("keyDim", Integer.toString(c.keyDim()));
    properties.put("topK", Integer.toString(c.topK()));
    properties.put("classes", Integer.toString(c.classes()));
    properties.put("learningRate", Double.toString(c.learningRate()));
    properties.put("labelSmoothing", Double.toString(c.labelSmoothing()));
    properties.put("seed", Long.toString(c.seed()));
    properties.put("emaDecay", Double.toString(c.emaDecay()));
    properties.put("deadKeyFactor", Double.toString(c.deadKeyFactor()));
    properties.put("keyInitSamples", Integer.toString(c.keyInitSamples()));
    return ModelUpdate.newBuilder().setStreamId(streamId).setLearner(LEARNER).setModelVersion(version)
        .setEncoderIdentity(encoder).setClasses(IntStream.range(0, c.classes()).boxed().toList())
        .setSamplesSeen(state.samplesSeen()).setLabelledSeen(state.labelledSeen())
        .setSourceOffsets(new ArrayList<>(offsets)).setCreatedAt(createdAt).setProperties(properties);
  }

  private static NamedTensor dense(String name, int rows, int width, float[] values) {
    return NamedTensor.newBuilder().setName(name).setShape(List.of(rows, width)).setFirstRow(0).setRowIndices(null)
        .setValues(FloatBytes.toBytes(values)).build();
  }

  private static float[] tensor(ModelUpdate update, String name) {
    for (NamedTensor tensor : update.getTensors()) {
      if (tensor.getName().equals(name)) {
        if (tensor.getRowIndices() != null || tensor.getFirstRow() != 0) {
          throw new IllegalArgumentException("KVB tensor " + name + " is not whole; assemble chunks and apply deltas first");
        }
        return FloatBytes.toFloats(tensor.getValues());
      }
    }
    throw new IllegalArgumentException("KVB model update v" + update.getModelVersion() + " has no tensor '" + name + "'");
  }

  private static int intOf(Map<String, String> properties, String key) {
    return Integer.parseInt(properties.get(key));
  }
}
