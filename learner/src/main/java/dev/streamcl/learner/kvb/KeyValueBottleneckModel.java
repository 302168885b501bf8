package dev.streamcl.learner.kvb;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The published form of a key-value bottleneck. A snapshot carries the frozen keys and all values
 * (the projection is regenerated from its seed, a property) and a portable ONNX model (see
 * {@link #portableModel}); a delta carries only the value rows touched since its base version — the
 * bottleneck's localised updates make it sparse.
 */
public final class KeyValueBottleneckModel {
  public static final String LEARNER = "kvb";
  public static final String KEYS = "keys";
  public static final String VALUES = "values";

  private KeyValueBottleneckModel() {}

  public static ModelUpdate snapshot(String streamId, long version, KeyValueBottleneck state, EncoderIdentity encoder,
      List<SourceOffset> offsets, Instant createdAt) {
    KvbHyperparameters config = state.config();
    List<NamedTensor> tensors = List.of(
        dense(KEYS, config.valueRows(), config.keyDim(), state.keys()),
        dense(VALUES, config.valueRows(), config.classes(), state.values()));
    return base(streamId, version, state, encoder, offsets, createdAt).setKind(UpdateKind.SNAPSHOT)
        .setBaseVersion(null).setTensors(tensors).setPortableModel(ByteBuffer.wrap(portableModel(state))).build();
  }

  /**
   * The bottleneck as a standalone ONNX model that any ONNX Runtime serves without StreamCL or the
   * projection seed: input {@code features} [batch, d] (float); the projection W, the keys (as −2·keysᵀ
   * and ‖k‖² per codebook) and the row offsets are constants; {@code values} [C·K, classes] is a graph
   * input that also has an initializer of the same name holding this state's values (an overridable
   * initializer). Run with {@code features} only, it predicts with this state; fed the values tensor
   * of a later version (a snapshot's values with its deltas applied), it predicts with that version.
   * Outputs as every portable head: {@code logits} [batch, classes] (mean of the fetched value rows),
   * {@code label} [batch] (int64: the learner's own top label, top-k over softmax probabilities,
   * lowest class first on ties), {@code classLabels} [classes] (0 .. classes−1); metadata
   * {@code class_labels}. The lookup is the kernel's graph node for node, so logits and labels are
   * bit-identical with {@link KeyValueBottleneckKernel#predict}.
   */
  public static byte[] portableModel(KeyValueBottleneck state) {
    KvbHyperparameters c = state.config();
    String doc = "Discrete key-value bottleneck trained by StreamCL (" + c.codebooks() + " codebooks x "
        + c.keysPerCodebook() + " keys of dimension " + c.keyDim() + ", top-" + c.topK() + "); logits = mean of the "
        + "fetched value rows, softmax(logits) = class probabilities. Input '" + VALUES + "' [" + c.valueRows() + ", "
        + c.classes() + "] defaults to the values of the snapshot that carries this model; feed the delta-applied "
        + "values tensor to predict with a later version.";
    return KeyValueBottleneckGraph.portable(c, state.featureDim(), state.keysView(), state.values(), doc);
  }

  /** The value rows touched since {@code baseVersion}; the caller clears the touched rows afterwards. */
  public static ModelUpdate delta(String streamId, long version, long baseVersion, KeyValueBottleneck state,
      EncoderIdentity encoder, List<SourceOffset> offsets, Instant createdAt) {
    KvbHyperparameters config = state.config();
    int[] rows = state.touchedRows();
    NamedTensor values = NamedTensor.newBuilder().setName(VALUES)
        .setShape(List.of(config.valueRows(), config.classes()))
        .setRowIndices(IntStream.of(rows).boxed().toList())
        .setValues(FloatBytes.toBytes(state.valueRows(rows))).build();
    return base(streamId, version, state, encoder, offsets, createdAt).setKind(UpdateKind.DELTA)
        .setBaseVersion(baseVersion).setTensors(List.of(values)).build();
  }

  /** Rebuilds the bottleneck from a whole (assembled, delta-applied) snapshot. */
  public static KeyValueBottleneck fromSnapshot(ModelUpdate snapshot) {
    return KeyValueBottleneck.of(config(snapshot), snapshot.getEncoderIdentity().getOutputDim(),
        tensor(snapshot, KEYS), tensor(snapshot, VALUES), snapshot.getSamplesSeen(), snapshot.getLabelledSeen());
  }

  /**
   * As {@link #fromSnapshot(ModelUpdate)}, on frozen keys already decoded from this snapshot's keys tensor
   * (the caller vouches for that): versions that differ only in their values share the keys array, so a
   * served version costs one copy of the values, not of the keys.
   */
  public static KeyValueBottleneck fromSnapshot(ModelUpdate snapshot, float[] frozenKeys) {
    KvbHyperparameters config = config(snapshot);
    if (frozenKeys.length != (long) config.valueRows() * config.keyDim()) {
      throw new IllegalArgumentException("KVB model update v" + snapshot.getModelVersion() + " needs "
          + config.valueRows() * (long) config.keyDim() + " key floats, got " + frozenKeys.length);
    }
    return KeyValueBottleneck.restore(config, snapshot.getEncoderIdentity().getOutputDim(), frozenKeys,
        tensor(snapshot, VALUES), new int[0], snapshot.getSamplesSeen(), snapshot.getLabelledSeen());
  }

  /** The keys [C·K, dk] of a whole snapshot. */
  public static float[] keys(ModelUpdate snapshot) {
    return tensor(snapshot, KEYS);
  }

  private static KvbHyperparameters config(ModelUpdate snapshot) {
    Map<String, String> p = snapshot.getProperties();
    KvbHyperparameters config;
    try {
      config = new KvbHyperparameters(intOf(p, "codebooks"), intOf(p, "keysPerCodebook"), intOf(p, "keyDim"),
          intOf(p, "topK"), intOf(p, "classes"), Double.parseDouble(p.get("learningRate")),
          Double.parseDouble(p.get("labelSmoothing")), Long.parseLong(p.get("seed")),
          Double.parseDouble(p.get("emaDecay")), Double.parseDouble(p.get("deadKeyFactor")),
          intOf(p, "keyInitSamples"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("KVB model update v" + snapshot.getModelVersion()
          + " lacks or garbles its settings " + p + ": " + e.getMessage(), e);
    }
    return config;
  }

  private static ModelUpdate.Builder base(String streamId, long version, KeyValueBottleneck state,
      EncoderIdentity encoder, List<SourceOffset> offsets, Instant createdAt) {
    KvbHyperparameters c = state.config();
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
          throw new IllegalArgumentException(
              "KVB tensor " + name + " is not whole; assemble chunks and apply deltas first");
        }
        return FloatBytes.toFloats(tensor.getValues());
      }
    }
    throw new IllegalArgumentException(
        "KVB model update v" + update.getModelVersion() + " has no tensor '" + name + "'");
  }

  private static int intOf(Map<String, String> properties, String key) {
    return Integer.parseInt(properties.get(key));
  }
}
