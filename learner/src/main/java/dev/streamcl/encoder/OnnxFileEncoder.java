package dev.streamcl.encoder;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelBytes;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * An encoder read from an {@code .onnx} file with one float input [batch, ...] and one float output
 * [batch, dim]; the batch axis must be dynamic and every other size fixed. Identity: file name and
 * SHA-256 of the file bytes.
 */
public final class OnnxFileEncoder extends KernelEncoder {
  static final String EXPECTED = "an ONNX model with one float input [batch, ...] and one float output"
      + " [batch, dim], a dynamic batch axis and all other sizes fixed";

  private OnnxFileEncoder(OnnxKernel kernel, EncoderIdentity identity, Signature signature) {
    super(kernel, identity, signature.sampleShape, signature.input, signature.output);
  }

  /** Loads the model; closes the session again if its signature does not fit. */
  public static OnnxFileEncoder open(Path file, ComputeDevice device) {
    byte[] model = read(file);
    OnnxKernel kernel;
    try {
      kernel = new OnnxKernel(model, device);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException("Encoder model file " + file + " is not a model ONNX Runtime can load ("
          + e.getMessage() + "); expected " + EXPECTED, e);
    }
    try {
      Signature signature = signature(file, kernel);
      EncoderIdentity identity =
          new EncoderIdentity(file.getFileName().toString(), ModelBytes.sha256(model), signature.outputDim);
      return new OnnxFileEncoder(kernel, identity, signature);
    } catch (RuntimeException e) {
      kernel.close();
      throw e;
    }
  }

  private static final class Signature {
    String input;
    String output;
    int[] sampleShape;
    int outputDim;
  }

  private static Signature signature(Path file, OnnxKernel kernel) {
    Map.Entry<String, TensorInfo> input = only(file, kernel.inputs(), "input");
    Map.Entry<String, TensorInfo> output = only(file, kernel.outputs(), "output");
    long[] in = input.getValue().getShape();
    long[] out = output.getValue().getShape();
    if (in.length < 2 || in[0] != -1 || Arrays.stream(in, 1, in.length).anyMatch(d -> d < 1)) {
      throw signatureError(file, "input '" + input.getKey() + "' has shape " + Arrays.toString(in) + " (-1 = dynamic)");
    }
    if (out.length != 2 || out[1] < 1) {
      throw signatureError(file, "output '" + output.getKey() + "' has shape " + Arrays.toString(out));
    }
    Signature signature = new Signature();
    signature.input = input.getKey();
    signature.output = output.getKey();
    signature.sampleShape = Arrays.stream(in, 1, in.length).mapToInt(Math::toIntExact).toArray();
    signature.outputDim = Math.toIntExact(out[1]);
    return signature;
  }

  private static byte[] read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("Encoder model file " + file + " does not exist; expected " + EXPECTED);
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read encoder model file " + file + ": " + e.getMessage(), e);
    }
  }

  private static Map.Entry<String, TensorInfo> only(Path file, Map<String, TensorInfo> values, String what) {
    if (values.size() != 1) {
      throw signatureError(file, "it has " + values.size() + " tensor " + what + "s " + values.keySet());
    }
    Map.Entry<String, TensorInfo> value = values.entrySet().iterator().next();
    if (value.getValue().type != OnnxJavaType.FLOAT) {
      throw signatureError(file, what + " '" + value.getKey() + "' is " + value.getValue().type + ", not FLOAT");
    }
    return value;
  }

  private static IllegalArgumentException signatureError(Path file, String problem) {
    return new IllegalArgumentException("Encoder model " + file + ": " + problem + "; expected " + EXPECTED);
  }
}
