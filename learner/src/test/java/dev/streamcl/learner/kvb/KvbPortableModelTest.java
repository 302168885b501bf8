package dev.streamcl.learner.kvb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelDeltas;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.ServableModel;
import dev.streamcl.learner.ServableModels;
import dev.streamcl.onnx.ComputeDevice;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * KVB's portable model, used the way an outside client would: a KVB is trained and published as a
 * snapshot and deltas through {@link KeyValueBottleneckModel}, the updates travel as Avro
 * single-object records in chunks, the client assembles them, applies the deltas, and predicts with
 * nothing but ONNX Runtime on the newest snapshot's portable model and the delta-applied values. Its
 * labels must equal the learner kernel's own, sample for sample.
 */
class KvbPortableModelTest {
  private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
  private static final int DIM = 784;
  private static final int CLASSES = 10;
  private static final int KEY_INIT = 2000;
  private static final int TRAIN = 3000;
  private static final int PER_VERSION = 1000;
  private static final int MINIBATCH = 100;
  private static final int TEST = 1000;
  private static final EncoderIdentity PIXELS = new EncoderIdentity("pixels", "none", DIM);

  @ParameterizedTest(name = "top-{0}")
  @ValueSource(ints = {1, 3})
  void portableModelWithDeltaAppliedValuesPredictsTheLearnersLabels(int topK) throws Exception {
    Data data = Data.load();
    KvbHyperparameters config = new KvbHyperparameters(16, 64, 8, topK, CLASSES, 0.3, 0.1, 42L,
        KvbHyperparameters.DEFAULT_EMA_DECAY, KvbHyperparameters.DEFAULT_DEAD_KEY_FACTOR, KEY_INIT);
    EmaKMeans kMeans = new EmaKMeans(config, DIM);
    for (int from = 0; from < KEY_INIT; from += 256) {
      int n = Math.min(256, KEY_INIT - from);
      kMeans.feed(Arrays.copyOfRange(data.trainFeatures, from * DIM, (from + n) * DIM), n);
    }
    KeyValueBottleneck state = kMeans.freeze();

    // The learner side: v1 snapshot, then deltas v2 and v3, each chunked and encoded as on the topic.
    EventCodec<ModelUpdate> producerCodec = EventCodec.modelUpdates();
    List<byte[]> topic = new ArrayList<>();
    KeyValueBottleneck atSnapshot = null;
    float[] testFeatures = data.testFeatures;
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      for (int version = 1; version <= TRAIN / PER_VERSION; version++) {
        for (int from = (version - 1) * PER_VERSION; from < version * PER_VERSION; from += MINIBATCH) {
          kernel.trainStep(state, Arrays.copyOfRange(data.trainFeatures, from * DIM, (from + MINIBATCH) * DIM),
              MINIBATCH, Arrays.copyOfRange(data.trainLabels, from, from + MINIBATCH));
        }
        List<SourceOffset> offsets = List.of(new SourceOffset("samples", 0, (long) version * PER_VERSION - 1));
        Instant createdAt = Instant.ofEpochMilli(version);
        ModelUpdate update = version == 1
            ? KeyValueBottleneckModel.snapshot("s", version, state, PIXELS, offsets, createdAt)
            : KeyValueBottleneckModel.delta("s", version, version - 1, state, PIXELS, offsets, createdAt);
        state.clearTouchedRows();
        if (version == 1) {
          atSnapshot = state.copy();
        }
        List<ModelUpdate> chunks = ModelUpdateChunks.split(update, ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES);
        if (version == 1) {
          assertTrue(chunks.size() > 1 && chunks.get(1).getPortableModel() != null,
              "this config's snapshot should spill its portable model into chunk 1, got " + chunks.size() + " chunks");
        } else {
          assertNull(update.getPortableModel(), "deltas carry no portable model");
        }
        chunks.forEach(chunk -> topic.add(producerCodec.encode(chunk)));
      }

      // The client side: decode, assemble chunks, apply deltas on their base.
      EventCodec<ModelUpdate> clientCodec = EventCodec.modelUpdates();
      Map<Long, List<ModelUpdate>> parts = new TreeMap<>();
      ModelUpdate newestSnapshot = null;
      ModelUpdate current = null;
      for (byte[] record : topic) {
        ModelUpdate chunk = clientCodec.decode(record);
        List<ModelUpdate> version = parts.computeIfAbsent(chunk.getModelVersion(), v -> new ArrayList<>());
        version.add(chunk);
        if (version.size() < chunk.getChunkCount()) {
          continue;
        }
        ModelUpdate whole = ModelUpdateChunks.assemble(parts.remove(chunk.getModelVersion()));
        if (whole.getKind() == UpdateKind.SNAPSHOT) {
          newestSnapshot = whole;
          current = whole;
        } else {
          assertEquals(current.getModelVersion(), whole.getBaseVersion(), "a delta on a base not applied");
          current = ModelDeltas.apply(current, whole);
        }
      }
      assertNotNull(newestSnapshot);
      assertEquals(3, current.getModelVersion());
      byte[] portable = bytes(newestSnapshot.getPortableModel());
      float[] currentValues = floats(tensor(current, KeyValueBottleneckModel.VALUES));

      // Predictions: the learner's kernel on its own states versus a bare ONNX Runtime session.
      KeyValueBottleneckKernel.Forward learnerNow = kernel.forward(state, testFeatures, TEST);
      KeyValueBottleneckKernel.Forward learnerAtSnapshot = kernel.forward(atSnapshot, testFeatures, TEST);
      long[] portableNow = BareOnnxRuntime.labels(portable, testFeatures, TEST, DIM, currentValues, config.valueRows(),
          CLASSES);
      long[] portableAtSnapshot = BareOnnxRuntime.labels(portable, testFeatures, TEST, DIM, null, 0, 0);

      int disagreements = disagreements(learnerNow.predictions(), portableNow);
      System.out.printf("kvb portable model: %d samples, %d disagreements%n", TEST, disagreements);
      int snapshotDisagreements = disagreements(learnerAtSnapshot.predictions(), portableAtSnapshot);
      System.out.printf("kvb portable model (top-%d, %s, %,d bytes), features only vs snapshot v1: %d samples, "
          + "%d disagreements; %d samples with tied top probabilities now, %d labels changed since v1%n", topK,
          data.source, portable.length, TEST, snapshotDisagreements, ties(learnerNow), changed(portableNow,
          portableAtSnapshot));
      assertEquals(0, disagreements, "labels of the delta-applied version v3");
      assertEquals(0, snapshotDisagreements, "labels of the snapshot version v1 (features only)");
      assertTrue(changed(portableNow, portableAtSnapshot) > 0, "the deltas should change some predictions");

      // Serving's generic portable path (any learner with a portable head) sees one input, features.
      ModelUpdate asUnknownLearner = ModelUpdate.newBuilder(newestSnapshot).setLearner("outside-kvb").build();
      try (ServableModel servable = ServableModels.fromSnapshot(asUnknownLearner, ComputeDevice.cpu())) {
        Predictions served = servable.predict(testFeatures, TEST);
        KeyValueBottleneckKernel.Forward learner = learnerAtSnapshot;
        for (int i = 0; i < TEST; i++) {
          if (!topTied(learner, i)) { // argmax of logits == top of softmax unless probabilities tie
            assertEquals(learner.predictions().predictedLabel(i), served.predictedLabel(i), "served sample " + i);
          }
        }
      }
    }
  }

  /**
   * Logits 0 and 1e-8 are different floats whose softmax probabilities round to the same float: the
   * learner's top-k over probabilities picks the lower class, argmax over logits would pick the other.
   * The portable model's label is the learner's.
   */
  @Test
  void labelBreaksTiesInProbabilitiesLikeTheLearner() throws Exception {
    KvbHyperparameters config = new KvbHyperparameters(3, 5, 2, 1, 4, 0.3, 0.1, 7L, 0.95, 0.1, 100);
    Random random = new Random(13);
    float[] keys = new float[config.valueRows() * config.keyDim()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = (float) random.nextGaussian();
    }
    float[] values = new float[config.valueRows() * config.classes()];
    for (int row = 0; row < config.valueRows(); row++) {
      System.arraycopy(new float[] {0f, 1e-8f, -1f, -1f}, 0, values, row * 4, 4);
    }
    KeyValueBottleneck state = KeyValueBottleneck.of(config, 6, keys, values, 0, 0);
    int n = 8;
    float[] x = new float[n * 6];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    byte[] portable = KeyValueBottleneckModel.portableModel(state);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu());
        OrtSession session = env.createSession(portable, new OrtSession.SessionOptions());
        OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {n, 6});
        OrtSession.Result result = session.run(Map.of("features", input))) {
      KeyValueBottleneckKernel.Forward learner = kernel.forward(state, x, n);
      float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
      long[] labels = (long[]) result.get("label").orElseThrow().getValue();
      for (int i = 0; i < n; i++) {
        assertTrue(logits[i][1] > logits[i][0], "logit 1 is the larger one at sample " + i);
        assertTrue(topTied(learner, i), "probabilities of classes 0 and 1 round to one float at sample " + i);
        assertEquals(0, learner.predictions().predictedLabel(i), "the learner's label, sample " + i);
        assertEquals(0, labels[i], "the portable model's label, sample " + i);
      }
    }
  }

  /**
   * The default KVB (64 × 512 keys, dk 14, d 784, 10 classes): how large its portable model is, and
   * that the snapshot carrying it still travels in records under Kafka's 1 MiB default.
   */
  @Test
  void defaultConfigSnapshotStaysInKafkaSizedRecords() {
    KvbHyperparameters config = KvbHyperparameters.defaults();
    Random random = new Random(1);
    float[] keys = new float[config.valueRows() * config.keyDim()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = (float) random.nextGaussian();
    }
    KeyValueBottleneck state = KeyValueBottleneck.withKeys(config, DIM, keys);
    // With the portable model's digest on every chunk, as the learner job publishes it.
    ModelUpdate snapshot = ModelUpdateChunks.withPortableModelDigest(
        KeyValueBottleneckModel.snapshot("s", 1, state, PIXELS, List.of(), Instant.EPOCH));
    int portableBytes = snapshot.getPortableModel().remaining();
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    List<ModelUpdate> chunks = ModelUpdateChunks.split(snapshot, ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES);
    List<ModelUpdate> withoutPortable = ModelUpdateChunks.split(
        ModelUpdate.newBuilder(snapshot).setPortableModel(null).build(), ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES);
    int largest = chunks.stream().mapToInt(c -> codec.encode(c).length).max().orElseThrow();
    System.out.printf("default kvb snapshot: portable model %,d bytes; %d chunks without it, %d with it; "
        + "largest record %,d bytes%n", portableBytes, withoutPortable.size(), chunks.size(), largest);
    assertTrue(largest < 1024 * 1024, "a record of " + largest + " bytes is over Kafka's 1 MiB default");
    assertEquals(snapshot, ModelUpdateChunks.assemble(chunks));
  }

  private static int disagreements(Predictions learner, long[] portable) {
    int count = 0;
    for (int i = 0; i < portable.length; i++) {
      count += learner.predictedLabel(i) == portable[i] ? 0 : 1;
    }
    return count;
  }

  private static int changed(long[] a, long[] b) {
    int count = 0;
    for (int i = 0; i < a.length; i++) {
      count += a[i] == b[i] ? 0 : 1;
    }
    return count;
  }

  private static int ties(KeyValueBottleneckKernel.Forward forward) {
    int count = 0;
    for (int i = 0; i < forward.predictions().batchSize(); i++) {
      count += topTied(forward, i) ? 1 : 0;
    }
    return count;
  }

  // The top probability is not unique: softmax rounded two classes to the same float.
  private static boolean topTied(KeyValueBottleneckKernel.Forward forward, int sample) {
    int classes = forward.probabilities().length / forward.predictions().batchSize();
    float[] p = Arrays.copyOfRange(forward.probabilities(), sample * classes, (sample + 1) * classes);
    float top = p[forward.predictions().predictedLabel(sample)];
    return Arrays.stream(toDoubles(p)).filter(x -> x == top).count() > 1;
  }

  private static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  private static NamedTensor tensor(ModelUpdate update, String name) {
    return update.getTensors().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  // The event's little-endian float32 bytes, read with plain Java.
  private static float[] floats(NamedTensor tensor) {
    FloatBuffer values = tensor.getValues().duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] out = new float[values.remaining()];
    values.get(out);
    return out;
  }

  /**
   * What an outside Java client runs: ONNX Runtime only. ONNX Runtime Java refuses to feed an
   * overridable initializer at run time ("Unexpected number of inputs"), so the delta-applied values
   * go in through {@link OrtSession.SessionOptions#addInitializer}, which replaces the model's
   * initializer of that name for the session.
   */
  private static final class BareOnnxRuntime {
    static long[] labels(byte[] model, float[] features, int n, int dim, float[] values, int rows, int classes)
        throws OrtException {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
          OnnxTensor valuesTensor = values == null ? null
              : OnnxTensor.createTensor(env, FloatBuffer.wrap(values), new long[] {rows, classes})) {
        if (valuesTensor != null) {
          options.addInitializer("values", valuesTensor);
        }
        try (OrtSession session = env.createSession(model, options);
            OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(features, 0, n * dim), new long[] {n, dim});
            OrtSession.Result result = session.run(Map.of("features", x))) {
          assertEquals(Set.of("features"), session.getInputNames(), "values is an overridable initializer");
          assertEquals(List.of("logits", "label", "classLabels"), new ArrayList<>(session.getOutputNames()));
          return (long[]) result.get("label").orElseThrow().getValue();
        }
      }
    }
  }

  /** The first Fashion-MNIST images (pixels / 255), or class-clustered Gaussians where it is not installed. */
  private record Data(float[] trainFeatures, int[] trainLabels, float[] testFeatures, String source) {
    static Data load() throws IOException {
      int train = Math.max(KEY_INIT, TRAIN);
      if (Files.isRegularFile(FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"))) {
        return new Data(images("train-images-idx3-ubyte.gz", train), labels("train-labels-idx1-ubyte.gz", train),
            images("t10k-images-idx3-ubyte.gz", TEST), "Fashion-MNIST");
      }
      Random random = new Random(5);
      float[][] centres = new float[CLASSES][DIM];
      for (float[] centre : centres) {
        for (int j = 0; j < DIM; j++) {
          centre[j] = random.nextFloat();
        }
      }
      int[] trainLabels = new int[train];
      float[] trainFeatures = clusters(random, centres, trainLabels);
      return new Data(trainFeatures, trainLabels, clusters(random, centres, new int[TEST]), "generated clusters");
    }

    private static float[] clusters(Random random, float[][] centres, int[] labels) {
      float[] x = new float[labels.length * DIM];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = random.nextInt(CLASSES);
        for (int j = 0; j < DIM; j++) {
          x[i * DIM + j] = centres[labels[i]][j] + (float) (0.3 * random.nextGaussian());
        }
      }
      return x;
    }

    private static float[] images(String file, int n) throws IOException {
      try (DataInputStream in = open(file)) {
        in.readInt(); // magic, count, rows, columns
        in.readInt();
        in.readInt();
        in.readInt();
        byte[] pixels = new byte[n * DIM];
        in.readFully(pixels);
        float[] x = new float[pixels.length];
        for (int i = 0; i < x.length; i++) {
          x[i] = (pixels[i] & 0xFF) / 255f;
        }
        return x;
      }
    }

    private static int[] labels(String file, int n) throws IOException {
      try (DataInputStream in = open(file)) {
        in.readInt(); // magic, count
        in.readInt();
        byte[] raw = new byte[n];
        in.readFully(raw);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
          labels[i] = raw[i] & 0xFF;
        }
        return labels;
      }
    }

    private static DataInputStream open(String file) throws IOException {
      return new DataInputStream(new BufferedInputStream(new GZIPInputStream(
          Files.newInputStream(FASHION_MNIST.resolve(file)), 1 << 16)));
    }
  }
}
