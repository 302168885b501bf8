package dev.streamcl.encoder;

import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * What encoder to build, as shipped in a Flink job graph; {@link #open()} builds it on the task
 * manager. Config strings ({@link #parse}):
 *
 * <ul>
 *   <li>{@code pixels:HxW} or {@code pixels:HxWxC}, e.g. {@code pixels:28x28}: pixel intensities
 *       0..255 flattened and scaled to [0, 1] ({@link PixelsEncoder});
 *   <li>{@code file:/path/model.onnx}: an ONNX model with one float input [batch, ...] and one float
 *       output [batch, dim] ({@link OnnxFileEncoder});
 *   <li>{@code minilm}: the sentence encoder all-MiniLM-L6-v2 on samples' text ({@link TextEncoder}), shipped in
 *       a Maven artifact;
 *   <li>{@code hf:/path/model.onnx,/path/tokenizer.json}: any BERT-style sentence encoder and its Hugging Face
 *       tokenizer, used the same way.
 * </ul>
 */
public final class EncoderSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String ACCEPTED =
      "expected pixels:HxW, pixels:HxWxC (e.g. pixels:28x28), file:/path/model.onnx, minilm or"
          + " hf:/path/model.onnx,/path/tokenizer.json";
  private static final String MINILM = "minilm";

  private final int[] pixelShape; // null for a file encoder
  private final String file; // the model file, or "minilm"; a String because Path is not Serializable
  private final String tokenizer; // a text encoder's tokenizer.json; null otherwise (and for minilm)
  private final boolean text;
  private final ComputeDevice device;

  private EncoderSpec(int[] pixelShape, String file, String tokenizer, boolean text, ComputeDevice device) {
    this.pixelShape = pixelShape;
    this.file = file;
    this.tokenizer = tokenizer;
    this.text = text;
    this.device = Objects.requireNonNull(device, "device");
  }

  public static EncoderSpec pixels(int[] shape, ComputeDevice device) {
    return new EncoderSpec(shape.clone(), null, null, false, device);
  }

  public static EncoderSpec file(Path file, ComputeDevice device) {
    return new EncoderSpec(null, file.toString(), null, false, device);
  }

  /** The shipped sentence encoder all-MiniLM-L6-v2. */
  public static EncoderSpec minilm(ComputeDevice device) {
    return new EncoderSpec(null, MINILM, null, true, device);
  }

  /** Parses a config string (see the class comment) for the CPU. */
  public static EncoderSpec parse(String spec) {
    return parse(spec, ComputeDevice.cpu());
  }

  public static EncoderSpec parse(String spec, ComputeDevice device) {
    String s = spec.trim();
    if (s.startsWith("pixels:")) {
      return pixels(pixelShape(spec, s.substring("pixels:".length())), device);
    }
    if (s.startsWith("file:") && s.length() > "file:".length()) {
      return new EncoderSpec(null, s.substring("file:".length()), null, false, device);
    }
    if (s.equals(MINILM)) {
      return minilm(device);
    }
    if (s.startsWith("hf:")) {
      String[] files = s.substring("hf:".length()).split(",", -1);
      if (files.length == 2 && !files[0].isBlank() && !files[1].isBlank()) {
        return new EncoderSpec(null, files[0].trim(), files[1].trim(), true, device);
      }
      throw new IllegalArgumentException("Encoder '" + spec + "' names " + files.length + " files; hf: takes the model"
          + " and its tokenizer, e.g. hf:/models/model.onnx,/models/tokenizer.json");
    }
    throw new IllegalArgumentException("Unknown encoder '" + spec + "'; " + ACCEPTED);
  }

  public EncoderSpec withDevice(ComputeDevice device) {
    return new EncoderSpec(pixelShape, file, tokenizer, text, device);
  }

  public ComputeDevice device() {
    return device;
  }

  /** Whether the encoder reads samples' text. */
  public boolean readsText() {
    return text;
  }

  public Encoder open() {
    if (pixelShape != null) {
      return new PixelsEncoder(pixelShape, device);
    }
    if (text) {
      return tokenizer == null ? TextEncoder.minilm(device)
          : TextEncoder.files(Path.of(file), Path.of(tokenizer), device);
    }
    return OnnxFileEncoder.open(Path.of(file), device);
  }

  private static int[] pixelShape(String spec, String sizes) {
    try {
      int[] shape = Arrays.stream(sizes.split("x", -1)).mapToInt(Integer::parseInt).toArray();
      if ((shape.length == 2 || shape.length == 3) && Arrays.stream(shape).allMatch(d -> d > 0)) {
        return shape;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("Bad pixel shape in encoder '" + spec + "'; " + ACCEPTED);
  }

  /** The config string this spec parses from. */
  @Override
  public String toString() {
    if (pixelShape != null) {
      return "pixels:" + PixelsEncoder.name(pixelShape).substring("pixels-".length());
    }
    if (text) {
      return tokenizer == null ? MINILM : "hf:" + file + "," + tokenizer;
    }
    return "file:" + file;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof EncoderSpec)) {
      return false;
    }
    EncoderSpec other = (EncoderSpec) o;
    return Arrays.equals(pixelShape, other.pixelShape) && Objects.equals(file, other.file)
        && Objects.equals(tokenizer, other.tokenizer) && text == other.text && device.equals(other.device);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(pixelShape), file, tokenizer, text, device);
  }
}
