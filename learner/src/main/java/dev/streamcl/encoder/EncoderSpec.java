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
 *       output [batch, dim] ({@link OnnxFileEncoder}).
 * </ul>
 */
public final class EncoderSpec implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String ACCEPTED =
      "expected pixels:HxW, pixels:HxWxC (e.g. pixels:28x28) or file:/path/model.onnx";

  private final int[] pixelShape; // null for a file encoder
  private final String file; // null for a pixels encoder; a String because Path is not Serializable
  private final ComputeDevice device;

  private EncoderSpec(int[] pixelShape, String file, ComputeDevice device) {
    this.pixelShape = pixelShape;
    this.file = file;
    this.device = Objects.requireNonNull(device, "device");
  }

  public static EncoderSpec pixels(int[] shape, ComputeDevice device) {
    return new EncoderSpec(shape.clone(), null, device);
  }

  public static EncoderSpec file(Path file, ComputeDevice device) {
    return new EncoderSpec(null, file.toString(), device);
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
      return new EncoderSpec(null, s.substring("file:".length()), device);
    }
    throw new IllegalArgumentException("Unknown encoder '" + spec + "'; " + ACCEPTED);
  }

  public EncoderSpec withDevice(ComputeDevice device) {
    return new EncoderSpec(pixelShape, file, device);
  }

  public ComputeDevice device() {
    return device;
  }

  public Encoder open() {
    return pixelShape != null
        ? new PixelsEncoder(pixelShape, device)
        : OnnxFileEncoder.open(Path.of(file), device);
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
    return pixelShape != null
        ? "pixels:" + PixelsEncoder.name(pixelShape).substring("pixels-".length())
        : "file:" + file;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof EncoderSpec)) {
      return false;
    }
    EncoderSpec other = (EncoderSpec) o;
    return Arrays.equals(pixelShape, other.pixelShape) && Objects.equals(file, other.file)
        && device.equals(other.device);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(pixelShape), file, device);
  }
}
