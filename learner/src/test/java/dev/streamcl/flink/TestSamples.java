package dev.streamcl.flink;

import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.FloatTensor;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Random;

/** Generated image samples: each class is a noisy bright band at its own rows. */
final class TestSamples {
  static final int SIDE = 28;

  private TestSamples() {}

  static byte[] pixels(int label, Random random) {
    byte[] pixels = new byte[SIDE * SIDE];
    for (int r = 0; r < SIDE; r++) {
      for (int c = 0; c < SIDE; c++) {
        boolean band = r / 7 == label % 4 || c / 7 == label / 4;
        int value = (band ? 160 : 20) + random.nextInt(60);
        pixels[r * SIDE + c] = (byte) value;
      }
    }
    return pixels;
  }

  static Sample image(String stream, long sequence, Integer label, byte[] pixels) {
    return Sample.newBuilder().setStreamId(stream).setSequence(sequence)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + sequence)).setTaskId(label == null ? null : label / 2)
        .setLabel(label).setInput(new RawImage(SIDE, SIDE, 1, ByteBuffer.wrap(pixels))).build();
  }

  static Sample tensor(String stream, long sequence, int label, List<Integer> shape, float[] values) {
    return Sample.newBuilder().setStreamId(stream).setSequence(sequence)
        .setEventTime(Instant.ofEpochMilli(1_700_000_000_000L + sequence)).setTaskId(null).setLabel(label)
        .setInput(new FloatTensor(shape, FloatBytes.toBytes(values))).build();
  }

  /** Pixels scaled to [0,1] then L2-normalised: the NMC feature of a pixels-encoded image. */
  static float[] normalisedFeature(byte[] pixels) {
    double norm = 0;
    float[] feature = new float[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      feature[i] = (pixels[i] & 0xFF) / 255f;
      norm += feature[i] * feature[i];
    }
    for (int i = 0; i < feature.length; i++) {
      feature[i] /= (float) Math.sqrt(norm);
    }
    return feature;
  }
}
