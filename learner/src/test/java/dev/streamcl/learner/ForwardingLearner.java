package dev.streamcl.learner;

import dev.streamcl.events.ModelUpdate;
import dev.streamcl.onnx.ComputeDevice;

/** A learner that forwards everything to another; tests override what a later build or a bug would change. */
public class ForwardingLearner<S, K extends AutoCloseable> implements ContinualLearner<S, K> {
  private static final long serialVersionUID = 1L;

  private final ContinualLearner<S, K> delegate;

  public ForwardingLearner(ContinualLearner<S, K> delegate) {
    this.delegate = delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public int minibatch() {
    return delegate.minibatch();
  }

  @Override
  public S initialState(int featureDim) {
    return delegate.initialState(featureDim);
  }

  @Override
  public StateSchema<S> stateSchema() {
    return delegate.stateSchema();
  }

  @Override
  public Object kernelKey(String streamId, S state) {
    return delegate.kernelKey(streamId, state);
  }

  @Override
  public K openKernel(S state, ComputeDevice device) {
    return delegate.openKernel(state, device);
  }

  @Override
  public Predictions testThenTrain(K kernel, S state, FeatureBatch batch) {
    return delegate.testThenTrain(kernel, state, batch);
  }

  @Override
  public ModelUpdate snapshot(S state, Publication publication) {
    return delegate.snapshot(state, publication);
  }

  @Override
  public DeltaPublishing<S> deltas() {
    return delegate.deltas();
  }

  @Override
  public Warmup<S> warmup() {
    return delegate.warmup();
  }

  @Override
  public StateMerge<S> merge() {
    return delegate.merge();
  }
}
