package dev.streamcl.encoder;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.streamcl.events.ModelBytes;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A text encoder's input row: the text's token ids (special tokens included, cut at {@link #maxTokens()}) as
 * floats, exact below 2^24, then -1 up to the row's end. Each sample is tokenized on its own where it is
 * validated; the encoder pads each micro-batch only to its longest row, which gives what tokenizing the batch
 * with padding gives, since the attention mask hides the padding.
 *
 * <p>Shipped in job graphs: only the tokenizer's source travels; the native Hugging Face tokenizer is loaded
 * once per JVM and source (never downloaded: {@code ai.djl.offline}).
 */
public final class TokenizedText implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The cap the issue sets for sentence encoders here; MiniLM itself accepts 512. */
  public static final int MAX_TOKENS = 256;
  static final float PADDING = -1f;
  private static final Map<String, HuggingFaceTokenizer> LOADED = new ConcurrentHashMap<>();

  /** A classpath resource ("resource:/name") or a file path. */
  private final String source;
  private final int maxTokens;

  private TokenizedText(String source, int maxTokens) {
    this.source = source;
    this.maxTokens = maxTokens;
  }

  static TokenizedText resource(String name) {
    return new TokenizedText("resource:" + name, MAX_TOKENS);
  }

  static TokenizedText file(Path tokenizerJson) {
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new IllegalArgumentException("Tokenizer file " + tokenizerJson + " does not exist; expected a Hugging Face"
          + " tokenizer.json (saved with the model by tokenizer.save_pretrained)");
    }
    return new TokenizedText(tokenizerJson.toString(), MAX_TOKENS);
  }

  public int maxTokens() {
    return maxTokens;
  }

  /** SHA-256 of the tokenizer.json bytes: part of the encoder's identity. */
  String sha256() {
    return ModelBytes.sha256(bytes());
  }

  /** Writes {@code text}'s row ({@link #maxTokens()} floats) into {@code row} at {@code offset}; returns its tokens. */
  public int write(String text, float[] row, int offset) {
    Encoding encoding = tokenizer().encode(text);
    long[] ids = encoding.getIds();
    int n = Math.min(ids.length, maxTokens);
    for (int i = 0; i < n; i++) {
      row[offset + i] = ids[i];
    }
    for (int i = n; i < maxTokens; i++) {
      row[offset + i] = PADDING;
    }
    return n;
  }

  /** Tokens in a row written by {@link #write}. */
  static int length(float[] rows, int offset, int maxTokens) {
    int n = 0;
    while (n < maxTokens && rows[offset + n] != PADDING) {
      n++;
    }
    return n;
  }

  private HuggingFaceTokenizer tokenizer() {
    return LOADED.computeIfAbsent(source + "#" + maxTokens, key -> load());
  }

  private HuggingFaceTokenizer load() {
    // A platform whose native library is not bundled must fail here, not fetch one from the internet.
    System.setProperty("ai.djl.offline", "true");
    Map<String, String> options = Map.of("maxLength", Integer.toString(maxTokens), "truncation", "true",
        "padding", "false", "addSpecialTokens", "true");
    try (InputStream json = open()) {
      return HuggingFaceTokenizer.newInstance(json, options);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read tokenizer " + source + ": " + e.getMessage(), e);
    }
  }

  private byte[] bytes() {
    try (InputStream json = open()) {
      return json.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read tokenizer " + source + ": " + e.getMessage(), e);
    }
  }

  private InputStream open() throws IOException {
    if (source.startsWith("resource:")) {
      String name = source.substring("resource:".length());
      InputStream in = TokenizedText.class.getResourceAsStream(name);
      if (in == null) {
        throw new IOException("resource " + name + " is not on the class path");
      }
      return in;
    }
    return Files.newInputStream(Path.of(source));
  }
}
