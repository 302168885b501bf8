package dev.streamcl.ingest;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.TokenizedText;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.FloatTensor;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.events.Text;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Turns a decoded {@link Sample} into the encoder's float input, refusing what would poison a
 * learner: wrong shapes, non-finite values, labels outside the configured range, unsupported inputs.
 * Shared by the learner job and the serving service so both refuse the same things.
 */
public final class SampleInputs implements Serializable {
  private final int[] inputShape;
  private final int inputSize;
  private final int labelLimit;
  /** A text encoder's tokenization; null for encoders of images and tensors. */
  private final TokenizedText text;

  /**
   * @param inputShape per-sample shape the encoder takes (for example {28, 28})
   * @param labelLimit labels must lie in [0, labelLimit)
   */
  public SampleInputs(int[] inputShape, int labelLimit) {
    this(inputShape, labelLimit, null);
  }

  private SampleInputs(int[] inputShape, int labelLimit, TokenizedText text) {
    this.inputShape = inputShape.clone();
    this.inputSize = Arrays.stream(inputShape).reduce(1, (a, b) -> a * b);
    this.labelLimit = labelLimit;
    this.text = text;
  }

  /** The inputs {@code encoder} takes: images and tensors of its shape, or text for a text encoder. */
  public static SampleInputs of(Encoder encoder, int labelLimit) {
    return new SampleInputs(encoder.inputShape(), labelLimit, encoder.textInput().orElse(null));
  }

  public int inputSize() {
    return inputSize;
  }

  /** Checks the label and returns it, or -1 for an unlabelled sample. */
  public int label(Sample sample) throws InvalidSampleException {
    Integer label = sample.getLabel();
    if (label == null) {
      return -1;
    }
    if (label < 0 || label >= labelLimit) {
      throw new InvalidSampleException(DeadLetterReason.UNKNOWN_LABEL, "Label " + label + " of stream '"
          + sample.getStreamId() + "' is outside [0, " + labelLimit + "); fix the producer or raise --label-limit");
    }
    return label;
  }

  /** Writes the sample's input into {@code target} at {@code offset} (inputSize floats). */
  public void copyInput(Sample sample, float[] target, int offset) throws InvalidSampleException {
    Object input = sample.getInput();
    if (text != null) {
      copyText(input, target, offset);
    } else if (input instanceof RawImage image) {
      copyImage(image, target, offset);
    } else if (input instanceof FloatTensor tensor) {
      copyTensor(tensor, target, offset);
    } else if (input instanceof Text) {
      throw new InvalidSampleException(DeadLetterReason.UNSUPPORTED_INPUT,
          "Text input cannot be fed to an image encoder of shape " + Arrays.toString(inputShape)
              + "; configure a text encoder or send image/tensor input");
    } else {
      throw new InvalidSampleException(DeadLetterReason.UNSUPPORTED_INPUT, "Sample has no input");
    }
  }

  private void copyText(Object input, float[] target, int offset) throws InvalidSampleException {
    if (input instanceof Text sample) {
      text.write(sample.getText(), target, offset);
    } else {
      throw new InvalidSampleException(DeadLetterReason.UNSUPPORTED_INPUT, (input == null ? "A sample without input"
          : "An " + input.getClass().getSimpleName() + " input") + " cannot be fed to a text encoder; send the"
          + " sample's text, or configure an image or tensor encoder (--encoder pixels:HxW or file:model.onnx)");
    }
  }

  private void copyImage(RawImage image, float[] target, int offset) throws InvalidSampleException {
    int declared = image.getHeight() * image.getWidth() * image.getChannels();
    ByteBuffer pixels = image.getPixels().duplicate();
    if (declared != inputSize || pixels.remaining() != inputSize) {
      throw new InvalidSampleException(DeadLetterReason.WRONG_SHAPE, "Image " + image.getHeight() + "x"
          + image.getWidth() + "x" + image.getChannels() + " with " + pixels.remaining()
          + " pixel bytes does not fit the encoder input " + Arrays.toString(inputShape)
          + "; resize the image or configure an encoder for this shape");
    }
    byte[] bytes = new byte[inputSize];
    pixels.get(bytes); // one bulk copy instead of a bounds-checked get() per pixel
    for (int i = 0; i < inputSize; i++) {
      target[offset + i] = bytes[i] & 0xFF;
    }
  }

  private void copyTensor(FloatTensor tensor, float[] target, int offset) throws InvalidSampleException {
    long declared = 1;
    for (int dim : tensor.getShape()) {
      declared = dim <= 0 ? -1 : declared * dim;
    }
    ByteBuffer data = tensor.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (declared != inputSize || data.remaining() != inputSize * Float.BYTES) {
      throw new InvalidSampleException(DeadLetterReason.WRONG_SHAPE, "Tensor of shape " + tensor.getShape()
          + " with " + data.remaining() + " bytes does not fit the encoder input " + Arrays.toString(inputShape)
          + " (" + inputSize * Float.BYTES + " bytes of little-endian float32 expected)");
    }
    for (int i = 0; i < inputSize; i++) {
      float value = data.getFloat();
      if (!Float.isFinite(value)) {
        throw new InvalidSampleException(DeadLetterReason.NON_FINITE, "Tensor value " + i + " is " + value
            + "; only finite features can be learned from — clean the producer's data");
      }
      target[offset + i] = value;
    }
  }
}
