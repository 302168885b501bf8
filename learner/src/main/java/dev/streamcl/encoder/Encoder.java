package dev.streamcl.encoder;

import dev.streamcl.events.EncoderIdentity;
import java.util.Optional;

/**
 * A frozen feature extractor: a micro-batch of samples in, one feature row per sample out.
 * Learners keep features of one encoder only, so published models carry its {@link #identity()}.
 */
public interface Encoder extends AutoCloseable {

  /** Name, SHA-256 of the ONNX model bytes, and output dimension. */
  EncoderIdentity identity();

  /** Shape of one sample, without the batch dimension, e.g. {28, 28}. */
  int[] inputShape();

  /** Number of floats in one sample: the product of {@link #inputShape()}. */
  int inputSize();

  /** Features per sample. */
  default int outputDim() {
    return identity().getOutputDim();
  }

  /**
   * Encodes {@code batchSize} samples stored row-major in {@code inputs}
   * ({@code batchSize * inputSize()} floats) and returns {@code batchSize * outputDim()} features,
   * row-major.
   */
  float[] encode(float[] inputs, int batchSize);

  /** For a text encoder, how a sample's text becomes its input row; empty for encoders of float inputs. */
  default Optional<TokenizedText> textInput() {
    return Optional.empty();
  }

  @Override
  void close();
}
