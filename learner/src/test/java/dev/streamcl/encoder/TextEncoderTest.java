package dev.streamcl.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.events.Text;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** all-MiniLM-L6-v2 through StreamCL's text path against langchain4j's own embedding of the same texts. */
class TextEncoderTest {
  private static final List<String> TEXTS = List.of(
      "dog: a member of the genus Canis (probably descended from the common wolf)",
      "Hello world",
      "entity: that which is perceived or known or inferred to have its own distinct existence (living or nonliving)",
      "bank: sloping land (especially the slope beside a body of water)",
      "cat",
      "Ünïcödé and numbers 12,345.67 — punctuation!?");
  private static Encoder minilm;
  private static SampleInputs inputs;

  @BeforeAll
  static void open() {
    minilm = EncoderSpec.parse("minilm").open();
    inputs = SampleInputs.of(minilm, 10);
  }

  @AfterAll
  static void close() {
    minilm.close();
  }

  @Test
  void oneMixedLengthBatchMatchesLangchain4jTextByText() throws Exception {
    float[] features = minilm.encode(rows(TEXTS), TEXTS.size());

    AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
    assertEquals(384, minilm.outputDim());
    for (int i = 0; i < TEXTS.size(); i++) {
      float[] expected = reference.embed(TEXTS.get(i)).content().vector();
      double cosine = 0;
      double ours = 0;
      double theirs = 0;
      for (int d = 0; d < 384; d++) {
        float x = features[i * 384 + d];
        cosine += x * expected[d];
        ours += x * x;
        theirs += expected[d] * expected[d];
      }
      cosine /= Math.sqrt(ours * theirs);
      assertTrue(cosine >= 0.9999, "text " + i + " cosine " + cosine);
      assertEquals(1.0, Math.sqrt(ours), 1e-5, "unit length");
    }
  }

  @Test
  void aTextEncodesAsItDoesAloneWhateverItsBatch() throws Exception {
    float[] batch = minilm.encode(rows(TEXTS), TEXTS.size());
    float[] alone = minilm.encode(rows(List.of(TEXTS.get(1))), 1);

    for (int d = 0; d < 384; d++) {
      assertEquals(alone[d], batch[384 + d], 1e-5, "padding to the batch's longest text must not change a text");
    }
  }

  @Test
  void longTextsAreCutAt256TokensAndRowsPadWithMinusOne() throws Exception {
    float[] row = rows(List.of("word ".repeat(400), "two words"));

    assertEquals(256, TokenizedText.length(row, 0, 256));
    assertEquals(101, row[0], "[CLS] first");
    assertEquals(4, TokenizedText.length(row, 256, 256), "[CLS] two words [SEP]");
    assertEquals(-1f, row[256 + 4]);
  }

  @Test
  void imagesAreRefusedWithWhatToDoInstead() {
    Sample image = sample(new RawImage(28, 28, 1, ByteBuffer.allocate(784)));

    InvalidSampleException e = assertThrows(InvalidSampleException.class,
        () -> inputs.copyInput(image, new float[256], 0));
    assertEquals(DeadLetterReason.UNSUPPORTED_INPUT, e.reason());
    assertTrue(e.getMessage().contains("text encoder") && e.getMessage().contains("--encoder"), e.getMessage());
  }

  @Test
  void aUsersModelAndTokenizerGiveTheSameFeaturesAndAnIdentityThatNamesBoth(@TempDir Path dir) throws Exception {
    Path model = copy(TextEncoder.MINILM_MODEL, dir.resolve("model.onnx"));
    Path tokenizer = copy(TextEncoder.MINILM_TOKENIZER, dir.resolve("tokenizer.json"));
    Path otherTokenizer = dir.resolve("other-tokenizer.json");
    Files.writeString(otherTokenizer, Files.readString(tokenizer).replaceFirst("\\{", "{ "));

    try (Encoder hf = EncoderSpec.parse("hf:" + model + "," + tokenizer).open();
        Encoder other = EncoderSpec.parse("hf:" + model + "," + otherTokenizer).open()) {
      assertArrayEquals(minilm.encode(rows(TEXTS), TEXTS.size()), hf.encode(rows(TEXTS), TEXTS.size()));
      assertEquals("model.onnx", hf.identity().getName());
      assertEquals(minilm.identity().getSha256(), hf.identity().getSha256(), "same model and tokenizer bytes");
      assertNotEquals(hf.identity().getSha256(), other.identity().getSha256(), "another tokenizer, another encoder");
    }
  }

  @Test
  void specsOfTextEncodersParseBackAndMissingFilesSaySo() {
    assertEquals("minilm", EncoderSpec.parse("minilm").toString());
    String hf = "hf:/m/model.onnx,/m/tokenizer.json";
    assertEquals(hf, EncoderSpec.parse(hf).toString());
    IllegalArgumentException noTokenizer = assertThrows(IllegalArgumentException.class,
        () -> EncoderSpec.parse("hf:/m/model.onnx"));
    assertTrue(noTokenizer.getMessage().contains("tokenizer"), noTokenizer.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> EncoderSpec.parse("hf:/nowhere/model.onnx,/nowhere/tokenizer.json").open());
    assertTrue(missing.getMessage().contains("/nowhere/model.onnx"), missing.getMessage());
  }

  private static float[] rows(List<String> texts) throws InvalidSampleException {
    float[] rows = new float[texts.size() * inputs.inputSize()];
    for (int i = 0; i < texts.size(); i++) {
      inputs.copyInput(sample(new Text(texts.get(i))), rows, i * inputs.inputSize());
    }
    return rows;
  }

  private static Sample sample(Object input) {
    return Sample.newBuilder().setStreamId("s").setSequence(0).setEventTime(Instant.EPOCH).setInput(input).build();
  }

  private static Path copy(String resource, Path to) throws IOException {
    try (InputStream in = TextEncoder.class.getResourceAsStream(resource)) {
      Files.copy(in, to);
    }
    return to;
  }
}
