package dev.streamcl.learner;

import dev.streamcl.events.ModelUpdate;
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;

/**
 * A continual learner as a plug-in: its maths and its published form, free of Flink and Kafka types.
 * One instance serves every stream; the state {@code S} of each stream is kept by the caller (the
 * Flink template operator keeps it in keyed state, serialised by {@link #stateSchema()}).
 *
 * <p>The caller drives test-then-train: it cuts a stream into batches ({@link #minibatch()} samples,
 * or any size when 0), calls {@link #testThenTrain} and emits its predictions, and decides when to
 * publish: then it asks for a {@link #snapshot}, or for a delta where {@link #deltas()} offers one.
 *
 * @param <S> the learner's state for one stream
 * @param <K> the native resources (ONNX sessions) its kernels run on
 */
public interface ContinualLearner<S, K extends AutoCloseable> extends Serializable {
  /** The name the learner publishes under ({@code ModelUpdate.learner}). */
  String name();

  /**
   * New samples per SGD minibatch: fixed so models do not depend on how the stream was cut; 0 when
   * test-then-train is exact per sample for any batching (the caller may then cut anywhere).
   */
  int minibatch();

  /** The state a stream starts from; null when the learner first needs {@link #warmup()} data. */
  S initialState(int featureDim);

  /** The state's versioned Avro schema and its mapping, for checkpoints and savepoints. */
  StateSchema<S> stateSchema();

  /** States with equal keys share one kernel (e.g. the feature dimension, or the stream for frozen keys). */
  Object kernelKey(String streamId, S state);

  /** Opens the native resources {@link #testThenTrain} runs on for states of this kernel key. */
  K openKernel(S state, ComputeDevice device);

  /**
   * Predicts every sample of {@code batch} with the model before it learns the sample, then learns the
   * labelled ones (labels of -1 are predicted only). Changes {@code state} in place.
   */
  Predictions testThenTrain(K kernel, S state, FeatureBatch batch);

  /** The whole model as a snapshot (with its portable ONNX model where it has one). */
  ModelUpdate snapshot(S state, Publication publication);

  /** How this learner publishes deltas; null when every version is a snapshot. */
  default DeltaPublishing<S> deltas() {
    return null;
  }

  /** What the learner fits on unlabelled data before it can learn; null when it can learn at once. */
  default Warmup<S> warmup() {
    return null;
  }

  /** How two states of one stream, learned from disjoint parts of it, combine (for scale-out). */
  StateMerge<S> merge();
}
