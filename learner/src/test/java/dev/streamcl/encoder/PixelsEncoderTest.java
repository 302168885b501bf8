package dev.streamcl.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelBytes;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PixelsEncoderTest {

  @Test
  void grayscaleBatchIsFlattenedAndScaledToUnitRange() {
    assertEncodesPixelsOver255(new int[] {28, 28}, 9);
  }

  @Test
  void colourBatchIsFlattenedChannelsLast() {
    assertEncodesPixelsOver255(new int[] {4, 5, 3}, 6);
  }

  @Test
  void identityNamesTheShapeAndHashesTheGraph() {
    try (Encoder encoder = EncoderSpec.parse("pixels:28x28").open()) {
      EncoderIdentity identity = encoder.identity();
      assertEquals("pixels-28x28", identity.getName());
      assertEquals(784, identity.getOutputDim());
      assertEquals(ModelBytes.sha256(PixelsEncoder.graph(new int[] {28, 28})), identity.getSha256());
      assertArrayEquals(new int[] {28, 28}, encoder.inputShape());
      assertEquals(784, encoder.inputSize());
    }
  }

  private static void assertEncodesPixelsOver255(int[] shape, int batch) {
    Random random = new Random(11);
    try (Encoder encoder = new PixelsEncoder(shape, ComputeDevice.cpu())) {
      int size = encoder.inputSize();
      float[] pixels = new float[batch * size];
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = random.nextInt(256);
      }
      float[] features = encoder.encode(pixels, batch);
      assertEquals(batch * encoder.outputDim(), features.length);
      // Row-major [batch, H, W, C] flattened per sample is the same order as the input array.
      for (int i = 0; i < pixels.length; i++) {
        assertEquals(pixels[i] / 255f, features[i], 0f, "feature " + i);
      }
    }
  }
}
