package dev.streamcl.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.ModelBytes;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.GraphBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderSpecTest {
  @TempDir Path dir;

  @Test
  void parsesPixelAndFileSpecsAndSurvivesJavaSerialization() throws Exception {
    EncoderSpec pixels = EncoderSpec.parse("pixels:32x32x3", ComputeDevice.parse("cuda:1", true));
    assertEquals("pixels:32x32x3", pixels.toString());
    assertEquals(pixels, roundTrip(pixels));
    assertEquals("file:/models/m.onnx", EncoderSpec.parse("file:/models/m.onnx").toString());
  }

  @Test
  void badSpecsSayWhatIsAccepted() {
    for (String bad : new String[] {"pixels:28", "pixels:28x0", "pixels:axb", "resnet", "file:"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderSpec.parse(bad));
      assertTrue(e.getMessage().contains("pixels:HxW") && e.getMessage().contains("file:"), e.getMessage());
    }
  }

  @Test
  void onnxFileEncoderRunsAnyFloatModelAndHashesItsBytes() throws IOException {
    Random random = new Random(3);
    float[] w = new float[6 * 4];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextGaussian();
    }
    Path file = dir.resolve("linear.onnx");
    Files.write(file, new GraphBuilder("linear")
        .floatInput("image", "n", 2, 3)
        .constant("w", w, 6, 4)
        .node("Flatten", "image").attr("axis", 1).to("flat")
        .node("MatMul", "flat", "w").to("embedding")
        .floatOutput("embedding", "n", 4)
        .build());

    try (Encoder encoder = EncoderSpec.parse("file:" + file).open()) {
      assertEquals("linear.onnx", encoder.identity().getName());
      assertEquals(ModelBytes.sha256(Files.readAllBytes(file)), encoder.identity().getSha256());
      assertEquals(4, encoder.outputDim());
      assertEquals(6, encoder.inputSize());
      float[] x = new float[3 * 6];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] y = encoder.encode(x, 3);
      for (int s = 0; s < 3; s++) {
        for (int o = 0; o < 4; o++) {
          double expected = 0;
          for (int k = 0; k < 6; k++) {
            expected += (double) x[s * 6 + k] * w[k * 4 + o];
          }
          assertEquals(expected, y[s * 4 + o], 1e-5);
        }
      }
    }
  }

  @Test
  void missingFileAndWrongSignatureSayWhatWasExpected() throws IOException {
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> EncoderSpec.parse("file:" + dir.resolve("absent.onnx")).open());
    assertTrue(missing.getMessage().contains("does not exist") && missing.getMessage().contains("[batch, dim]"),
        missing.getMessage());

    Path twoOutputs = dir.resolve("two.onnx");
    Files.write(twoOutputs, new GraphBuilder("two")
        .floatInput("x", "n", 3)
        .node("Relu", "x").to("a")
        .node("Neg", "x").to("b")
        .floatOutput("a", "n", 3)
        .floatOutput("b", "n", 3)
        .build());
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
        () -> OnnxFileEncoder.open(twoOutputs, ComputeDevice.cpu()));
    assertTrue(wrong.getMessage().contains("2 tensor outputs") && wrong.getMessage().contains("expected"),
        wrong.getMessage());

    Path fixedBatch = dir.resolve("fixed.onnx");
    Files.write(fixedBatch, new GraphBuilder("fixed")
        .floatInput("x", 1, 3)
        .node("Relu", "x").to("y")
        .floatOutput("y", 1, 3)
        .build());
    IllegalArgumentException fixed = assertThrows(IllegalArgumentException.class,
        () -> OnnxFileEncoder.open(fixedBatch, ComputeDevice.cpu()));
    assertTrue(fixed.getMessage().contains("dynamic"), fixed.getMessage());
  }

  private static Object roundTrip(Object value) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return in.readObject();
    }
  }
}
