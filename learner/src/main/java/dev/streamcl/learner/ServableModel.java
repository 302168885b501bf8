package dev.streamcl.learner;

import dev.streamcl.events.EncoderIdentity;

/**
 * One published model version, ready to answer requests. Owns native resources (an ONNX session,
 * tensors), so the serving side closes it once no call is in flight.
 */
public interface ServableModel extends AutoCloseable {
  String learner();

  long version();

  /** The encoder whose features this model expects; requests encoded otherwise are refused. */
  EncoderIdentity encoder();

  Predictions predict(float[] features, int batchSize);

  @Override
  void close();
}
