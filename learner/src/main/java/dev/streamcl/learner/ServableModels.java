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
import dev.streamcl.onnx.OnnxKernel;
import java.util.function.BiFunction;

/** Builds the servable form of a whole (assembled, non-delta) model update, by learner name. */
public final class ServableModels {
  private ServableModels() {}

  public static ServableModel fromSnapshot(ModelUpdate snapshot, ComputeDevice device) {
    if (snapshot.getKind() != UpdateKind.SNAPSHOT || snapshot.getChunkCount() != 1) {
      throw new IllegalArgumentException("Only whole snapshots can be served; got " + snapshot.getKind()
          + " chunk " + snapshot.getChunkIndex() + "/" + snapshot.getChunkCount());
    }
    return switch (snapshot.getLearner()) {
      case NearestClassMeanModel.LEARNER -> nearestClassMean(snapshot, device);
      case KeyValueBottleneckModel.LEARNER -> keyValueBottleneck(snapshot, device);
      default -> {
        if (snapshot.getPortableModel() == null) {
          throw new IllegalArgumentException("Learner '" + snapshot.getLearner() + "' has no servable form in this "
              + "StreamCL version and its update carries no portable ONNX model; upgrade the serving service");
        }
        yield portable(snapshot, device);
      }
    };
  }

  /** Any learner that publishes a portable head (features in, one score per class out) is servable. */
  private static ServableModel portable(ModelUpdate snapshot, ComputeDevice device) {
    byte[] model = new byte[snapshot.getPortableModel().remaining()];
    snapshot.getPortableModel().duplicate().get(model);
    OnnxKernel kernel = new OnnxKernel(model, device);
    String input = kernel.inputs().keySet().iterator().next();
    String output = kernel.outputs().keySet().iterator().next();
    int[] labels = snapshot.getClasses().stream().mapToInt(Integer::intValue).toArray();
    int dim = snapshot.getEncoderIdentity().getOutputDim();
    return new KernelServable(snapshot, kernel, (features, n) -> {
      kernel.feed(input, features, n, dim);
      try (OnnxKernel.Outputs out = kernel.run()) {
        return Predictions.fromScores(out.floats(output), n, labels, features, dim);
      }
    });
  }

  private static ServableModel nearestClassMean(ModelUpdate snapshot, ComputeDevice device) {
    NearestClassMeanModel model = NearestClassMeanModel.fromUpdate(snapshot);
    NearestClassMean kernel = new NearestClassMean(model.dim(), device);
    return new KernelServable(snapshot, kernel, (features, n) -> kernel.predict(model, features, n));
  }

  private static ServableModel keyValueBottleneck(ModelUpdate snapshot, ComputeDevice device) {
    KeyValueBottleneck state = KeyValueBottleneckModel.fromSnapshot(snapshot);
    KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, device);
    return new KernelServable(snapshot, kernel, (features, n) -> kernel.predict(state, features, n));
  }

  /** A published version answering through the ONNX kernel it owns. */
  private static final class KernelServable implements ServableModel {
    private final String learner;
    private final long version;
    private final EncoderIdentity encoder;
    private final AutoCloseable kernel;
    private final BiFunction<float[], Integer, Predictions> predictor;

    KernelServable(ModelUpdate snapshot, AutoCloseable kernel, BiFunction<float[], Integer, Predictions> predictor) {
      this.learner = snapshot.getLearner();
      this.version = snapshot.getModelVersion();
      this.encoder = snapshot.getEncoderIdentity();
      this.kernel = kernel;
      this.predictor = predictor;
    }

    @Override
    public String learner() {
      return learner;
    }

    @Override
    public long version() {
      return version;
    }

    @Override
    public EncoderIdentity encoder() {
      return encoder;
    }

    /** Kernels reuse their input buffers, so calls from several threads take turns. */
    @Override
    public synchronized Predictions predict(float[] features, int batchSize) {
      return predictor.apply(features, batchSize);
    }

    @Override
    public void close() {
      try {
        kernel.close();
      } catch (Exception e) {
        throw new IllegalStateException("Could not close the " + learner + " v" + version + " kernel", e);
      }
    }
  }
}
