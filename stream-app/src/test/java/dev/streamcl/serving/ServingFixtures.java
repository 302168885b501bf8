package dev.streamcl.serving;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Tiny 2x2 images, hand-made NMC models and a plain-Java nearest-mean reference for the serving tests.
 */
final class ServingFixtures {
  static final String STREAM = "s";
  static final int TOP_K = 3;
  static final EncoderSpec PIXELS_2X2 = EncoderSpec.parse("pixels:2x2", ComputeDevice.cpu());
  static final long BASE_TIME = 1_700_000_000_000L;

  /** Directions the class means of {@link #rotatingModel} point at; the model's version rotates them. */
  private static final float[][] PROTOTYPES = {
      {1f, 0.1f, 0f, 0.2f}, {0.1f, 1f, 0.2f, 0f}, {0f, 0.2f, 1f, 0.1f}, {0.2f, 0f, 0.1f, 1f}};

  /** A tiny key-value bottleneck over the 2x2 pixels: 4 codebooks × 8 keys of dimension 2, 4 classes. */
  static final KvbHyperparameters TINY_KVB = new KvbHyperparameters(4, 8, 2, 1, 4, 0.3, 0.1, 42L,
      KvbHyperparameters.DEFAULT_EMA_DECAY, KvbHyperparameters.DEFAULT_DEAD_KEY_FACTOR, 1);

  /** Eight 2x2 images, each clearly nearest one class mean of every {@link #rotatingModel}. */
  private static final byte[][] PROBES = {
      image(250, 25, 1, 50), image(25, 250, 50, 1), image(1, 50, 250, 25), image(50, 1, 25, 250),
      image(180, 90, 20, 40), image(30, 170, 100, 10), image(10, 60, 200, 120), image(120, 20, 60, 190)};

  private ServingFixtures() {}

  /** The pixels request {@code sequence} carries under load: one of the eight probes. */
  static byte[] probe(long sequence) {
    return PROBES[(int) (sequence % PROBES.length)];
  }

  /** Request {@code sequence} of {@code stream} under load, encoded: it carries {@link #probe}(sequence). */
  static byte[] probeRequest(String stream, long sequence) {
    return EventCodec.samples().encode(request(stream, sequence, null, 2, 2, probe(sequence)));
  }

  static EncoderIdentity pixelsIdentity() {
    try (Encoder encoder = PIXELS_2X2.open()) {
      return encoder.identity();
    }
  }

  static byte[] image(int... pixels) {
    byte[] bytes = new byte[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      bytes[i] = (byte) pixels[i];
    }
    return bytes;
  }

  static Sample request(String stream, long sequence, Integer label, int height, int width, byte[] pixels) {
    return Sample.newBuilder().setStreamId(stream).setSequence(sequence)
        .setEventTime(Instant.ofEpochMilli(BASE_TIME + sequence)).setTaskId(null).setLabel(label)
        .setInput(new RawImage(height, width, 1, ByteBuffer.wrap(pixels))).build();
  }

  /** An NMC model as the serving side must understand it: labels, float32 sums [C,4] and counts. */
  record TestModel(long version, int[] labels, float[] sums, long[] counts) {
    int dim() {
      return sums.length / labels.length;
    }

    ModelUpdate snapshot(EncoderIdentity encoder, String stream) {
      long seen = Arrays.stream(counts).sum();
      return new NearestClassMeanModel(encoder, labels, sums, counts)
          .toSnapshot(stream, version, seen, seen, List.of(), Instant.ofEpochMilli(BASE_TIME + version));
    }

    /** The nearest-mean answer for an image: pixels / 255, L2-normalised, against the means sum / count. */
    Expected expect(byte[] pixels) {
      int dim = dim();
      double[] x = new double[dim];
      double norm = 0;
      for (int k = 0; k < dim; k++) {
        x[k] = (pixels[k] & 0xFF) / 255.0;
        norm += x[k] * x[k];
      }
      norm = Math.max(Math.sqrt(norm), 1e-12);
      List<double[]> scored = new ArrayList<>(); // {label, score, row}
      for (int c = 0; c < labels.length; c++) {
        double distance = 0;
        for (int k = 0; k < dim; k++) {
          double diff = x[k] / norm - (double) sums[c * dim + k] / counts[c];
          distance += diff * diff;
        }
        scored.add(new double[] {labels[c], -distance, c});
      }
      scored.sort(Comparator.<double[]>comparingDouble(s -> -s[1]).thenComparingDouble(s -> s[2]));
      List<double[]> top = scored.subList(0, Math.min(TOP_K, scored.size()));
      return new Expected(version, top.stream().map(s -> (int) s[0]).collect(Collectors.toList()),
          top.stream().map(s -> s[1]).collect(Collectors.toList()));
    }
  }

  /** What a model version must answer: its version, and its top labels and scores, best first. */
  record Expected(long version, List<Integer> topLabels, List<Double> topScores) {
    int label() {
      return topLabels.get(0);
    }
  }

  /** Four classes (labels 0..3) whose means point at the prototypes, rotated by the version. */
  static TestModel rotatingModel(long version) {
    int[] labels = {0, 1, 2, 3};
    long[] counts = {2, 3, 4, 5};
    float[] sums = new float[4 * 4];
    for (int c = 0; c < 4; c++) {
      float[] mean = unit(PROTOTYPES[(int) ((c + version) % 4)]);
      for (int k = 0; k < 4; k++) {
        sums[c * 4 + k] = counts[c] * mean[k];
      }
    }
    return new TestModel(version, labels, sums, counts);
  }

  static float[] unit(float[] v) {
    double norm = 0;
    for (float f : v) {
      norm += f * f;
    }
    float[] u = new float[v.length];
    for (int k = 0; k < v.length; k++) {
      u[k] = (float) (v[k] / Math.sqrt(norm));
    }
    return u;
  }

  /** A sparse tensor carrying the given rows of a tensor of {@code shape}. */
  static NamedTensor sparseRows(String name, List<Integer> shape, List<Integer> rowIndices, float[] values) {
    return NamedTensor.newBuilder().setName(name).setShape(shape).setFirstRow(0).setRowIndices(rowIndices)
        .setValues(FloatBytes.toBytes(values)).build();
  }

  /** A DELTA on top of {@code base}: same header, new version and class list, the given row tensors. */
  static ModelUpdate delta(ModelUpdate base, long version, long baseVersion, List<Integer> classes,
      List<NamedTensor> tensors) {
    return ModelUpdate.newBuilder(base).setModelVersion(version).setKind(UpdateKind.DELTA).setBaseVersion(baseVersion)
        .setClasses(classes).setTensors(tensors).setCreatedAt(Instant.ofEpochMilli(BASE_TIME + version)).build();
  }

  /** Version 1 of a {@link #TINY_KVB} whose every value row votes for {@link #kvbLabel}(1), whatever the input. */
  static ModelUpdate kvbSnapshot(EncoderIdentity encoder, String stream) {
    return kvbSnapshot(encoder, stream, 1, 7);
  }

  /** A {@link #TINY_KVB} snapshot whose value rows vote for {@link #kvbLabel}(version), keys drawn from a seed. */
  static ModelUpdate kvbSnapshot(EncoderIdentity encoder, String stream, long version, long keySeed) {
    Random random = new Random(keySeed);
    float[] keys = new float[TINY_KVB.valueRows() * TINY_KVB.keyDim()];
    for (int k = 0; k < keys.length; k++) {
      keys[k] = (float) random.nextGaussian();
    }
    KeyValueBottleneck state = KeyValueBottleneck.of(TINY_KVB, encoder.getOutputDim(), keys, kvbVotes(version), 0, 0);
    return KeyValueBottleneckModel.snapshot(stream, version, state, encoder, List.of(),
        Instant.ofEpochMilli(BASE_TIME + version));
  }

  /** A sparse DELTA to {@code version} on {@code version - 1}, as the learner publishes them: new value rows only. */
  static ModelUpdate kvbDelta(ModelUpdate snapshot, long version) {
    List<Integer> rows = IntStream.range(0, TINY_KVB.valueRows()).boxed().toList();
    NamedTensor values = sparseRows(KeyValueBottleneckModel.VALUES, List.of(TINY_KVB.valueRows(), TINY_KVB.classes()),
        rows, kvbVotes(version));
    return ModelUpdate.newBuilder(delta(snapshot, version, version - 1, snapshot.getClasses(), List.of(values)))
        .setPortableModel(null).build();
  }

  /** The label a {@link #kvbSnapshot} answers at {@code version} (its deltas included). */
  static int kvbLabel(long version) {
    return (int) (version % TINY_KVB.classes());
  }

  /** Value rows [rows, classes] that all vote one-hot for {@link #kvbLabel}(version). */
  private static float[] kvbVotes(long version) {
    float[] values = new float[TINY_KVB.valueRows() * TINY_KVB.classes()];
    for (int row = 0; row < TINY_KVB.valueRows(); row++) {
      values[row * TINY_KVB.classes() + kvbLabel(version)] = 1f;
    }
    return values;
  }
}
