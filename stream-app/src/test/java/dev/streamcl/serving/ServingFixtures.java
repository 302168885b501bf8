package dev.streamcl.serving;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

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

  private ServingFixtures() {}

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
}
