package dev.streamcl.learner;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckKernel;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.nmc.NearestClassMean;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;

/** Builds the servable form of a whole (assembled, non-delta) model update, by learner name. */
public final class ServableModels {
  private ServableModels() {}

  public static ServableModel fromSnapshot(ModelUpdate snapshot, ComputeDevice device) {
    if (snapshot.getKind() != UpdateKind.SNAPSHOT || snapshot.getChunkCount() != 1) {
      throw new IllegalArgumentException("Only whole snapshots can be served; got " + snapshot.getKind()
          + " chunk " + snapshot.getChunkIndex() + "/" + snapshot.getChunkCount());
    }
    return switch (snapshot.getLearner()) {
      case NearestClassMeanModel.LEARNER -> new ServableNearestClassMean(
          NearestClassMeanModel.fromUpdate(snapshot), snapshot.getModelVersion(), device);
      case KeyValueBottleneckModel.LEARNER -> new ServableKeyValueBottleneck(
          KeyValueBottleneckModel.fromSnapshot(snapshot), snapshot.getModelVersion(), snapshot.getEncoderIdentity(),
          device);
      default -> throw new IllegalArgumentException("Learner '" + snapshot.getLearner()
          + "' has no servable form in this StreamCL version; upgrade the serving service");
    };
  }

  private static final class ServableKeyValueBottleneck implements ServableModel {
    private final KeyValueBottleneck state;
    private final long version;
    private final EncoderIdentity encoder;
    private final KeyValueBottleneckKernel kernel;

    ServableKeyValueBottleneck(KeyValueBottleneck state, long version, EncoderIdentity encoder, ComputeDevice device) {
      this.state = state;
      this.version = version;
      this.encoder = encoder;
      this.kernel = new KeyValueBottleneckKernel(state, device);
    }

    @Override
    public String learner() {
      return KeyValueBottleneckModel.LEARNER;
    }

    @Override
    public long version() {
      return version;
    }

    @Override
    public EncoderIdentity encoder() {
      return encoder;
    }

    /** The kernel reuses its input buffers, so calls from several threads take turns. */
    @Override
    public synchronized Predictions predict(float[] features, int batchSize) {
      return kernel.predict(state, features, batchSize);
    }

    @Override
    public void close() {
      kernel.close();
    }
  }

  private static final class ServableNearestClassMean implements ServableModel {
    private final NearestClassMeanModel model;
    private final long version;
    private final NearestClassMean kernel;

    ServableNearestClassMean(NearestClassMeanModel model, long version, ComputeDevice device) {
      this.model = model;
      this.version = version;
      this.kernel = new NearestClassMean(model.dim(), device);
    }

    @Override
    public String learner() {
      return NearestClassMeanModel.LEARNER;
    }

    @Override
    public long version() {
      return version;
    }

    @Override
    public EncoderIdentity encoder() {
      return model.encoder();
    }

    /** The kernel reuses its input buffers, so calls from several threads take turns. */
    @Override
    public synchronized Predictions predict(float[] features, int batchSize) {
      return kernel.predict(model, features, batchSize);
    }

    @Override
    public void close() {
      kernel.close();
    }
  }
}
