package dev.streamcl.learner;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckKernel;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.nmc.NearestClassMean;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * Builds the servable form of a whole (assembled, non-delta) model update, by learner name. Sessions are
 * forward-only. NMC and KVB sessions do not depend on the model's numbers (NMC: only on the feature
 * dimension; KVB: on the frozen keys), so a new version can be served on the session of the version before
 * ({@link #onSessionOf}) without compiling anything; a portable head has its weights in its graph and needs
 * a session of its own.
 */
public final class ServableModels {
  private ServableModels() {}

  /**
   * Whether serving {@code learner} needs the portable model its snapshots carry: NMC and KVB are served from
   * their tensors, every other learner by its portable head.
   */
  public static boolean needsPortableModel(String learner) {
    return !learner.equals(NearestClassMeanModel.LEARNER) && !learner.equals(KeyValueBottleneckModel.LEARNER);
  }

  /** A servable with a session of its own: compiles ONNX graphs, so it may take a while. */
  public static ServableModel fromSnapshot(ModelUpdate snapshot, ComputeDevice device) {
    requireWhole(snapshot);
    return switch (snapshot.getLearner()) {
      case NearestClassMeanModel.LEARNER ->
          nearestClassMean(snapshot, NearestClassMeanModel.fromUpdate(snapshot), device);
      case KeyValueBottleneckModel.LEARNER -> {
        float[] keys = KeyValueBottleneckModel.keys(snapshot);
        KeyValueBottleneck state = KeyValueBottleneckModel.fromSnapshot(snapshot, keys);
        yield new KeyValueBottleneckServable(snapshot, new SharedKernel<>(new KeyValueBottleneckKernel(state, device)),
            state, keys, keysTensor(snapshot));
      }
      default -> portable(snapshot, device);
    };
  }

  /**
   * The snapshot served on the session of {@code served} (the same learner's version before, or null), if
   * that session computes it: NMC of the same dimension, KVB with the same settings and keys. Empty when a
   * new session is needed ({@link #fromSnapshot}). Decodes the snapshot either way, so a malformed one fails
   * here, at once, with an {@link IllegalArgumentException}.
   */
  public static Optional<ServableModel> onSessionOf(ServableModel served, ModelUpdate snapshot) {
    requireWhole(snapshot);
    switch (snapshot.getLearner()) {
      case NearestClassMeanModel.LEARNER -> {
        NearestClassMeanModel model = NearestClassMeanModel.fromUpdate(snapshot);
        return served instanceof NearestClassMeanServable nmc && nmc.kernel.kernel.dim() == model.dim()
            ? Optional.of(new NearestClassMeanServable(snapshot, nmc.kernel.hold(), model)) : Optional.empty();
      }
      case KeyValueBottleneckModel.LEARNER -> {
        if (served instanceof KeyValueBottleneckServable kvb) {
          return kvb.next(snapshot);
        }
        KeyValueBottleneckModel.fromSnapshot(snapshot);
        return Optional.empty();
      }
      default -> {
        portableBytes(snapshot);
        return Optional.empty();
      }
    }
  }

  private static void requireWhole(ModelUpdate snapshot) {
    if (snapshot.getKind() != UpdateKind.SNAPSHOT || snapshot.getChunkCount() != 1) {
      throw new IllegalArgumentException("Only whole snapshots can be served; got " + snapshot.getKind()
          + " chunk " + snapshot.getChunkIndex() + "/" + snapshot.getChunkCount());
    }
  }

  /** Any learner that publishes a portable head (features in, one score per class out) is servable. */
  private static ServableModel portable(ModelUpdate snapshot, ComputeDevice device) {
    OnnxKernel kernel = new OnnxKernel(portableBytes(snapshot), device);
    String input = kernel.inputs().keySet().iterator().next();
    String output = kernel.outputs().keySet().iterator().next();
    int[] labels = snapshot.getClasses().stream().mapToInt(Integer::intValue).toArray();
    int dim = snapshot.getEncoderIdentity().getOutputDim();
    return new PortableServable(snapshot, new SharedKernel<>(kernel), (features, n) -> {
      kernel.feed(input, features, n, dim);
      try (OnnxKernel.Outputs out = kernel.run()) {
        return Predictions.fromScores(out.floats(output), n, labels, features, dim);
      }
    });
  }

  private static byte[] portableBytes(ModelUpdate snapshot) {
    if (snapshot.getPortableModel() == null) {
      throw new IllegalArgumentException("Learner '" + snapshot.getLearner() + "' has no servable form in this "
          + "StreamCL version and its update carries no portable ONNX model; upgrade the serving service");
    }
    byte[] model = new byte[snapshot.getPortableModel().remaining()];
    snapshot.getPortableModel().duplicate().get(model);
    return model;
  }

  private static ServableModel nearestClassMean(ModelUpdate snapshot, NearestClassMeanModel model,
      ComputeDevice device) {
    return new NearestClassMeanServable(snapshot, new SharedKernel<>(new NearestClassMean(model.dim(), device)),
        model);
  }

  private static ByteBuffer keysTensor(ModelUpdate snapshot) {
    for (NamedTensor tensor : snapshot.getTensors()) {
      if (tensor.getName().equals(KeyValueBottleneckModel.KEYS)) {
        return tensor.getValues();
      }
    }
    return null;
  }

  /** An ONNX kernel that several served versions share; it closes when the last of them closes. */
  private static final class SharedKernel<K extends AutoCloseable> {
    private final K kernel;
    private int holders = 1;

    SharedKernel(K kernel) {
      this.kernel = kernel;
    }

    synchronized SharedKernel<K> hold() {
      if (holders == 0) {
        throw new IllegalStateException("The kernel was closed; build a new session");
      }
      holders++;
      return this;
    }

    synchronized void release(String what) {
      if (--holders == 0) {
        try {
          kernel.close();
        } catch (Exception e) {
          throw new IllegalStateException("Could not close the " + what + " kernel", e);
        }
      }
    }
  }

  /** A published version answering through a kernel it may share; kernels reuse input buffers, so calls take turns. */
  private abstract static class KernelServable<K extends AutoCloseable> implements ServableModel {
    final SharedKernel<K> kernel;
    private final String learner;
    private final long version;
    private final EncoderIdentity encoder;

    KernelServable(ModelUpdate snapshot, SharedKernel<K> kernel) {
      this.learner = snapshot.getLearner();
      this.version = snapshot.getModelVersion();
      this.encoder = snapshot.getEncoderIdentity();
      this.kernel = kernel;
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

    @Override
    public Predictions predict(float[] features, int batchSize) {
      synchronized (kernel) {
        return predict(kernel.kernel, features, batchSize);
      }
    }

    abstract Predictions predict(K kernel, float[] features, int batchSize);

    @Override
    public void close() {
      kernel.release(learner + " v" + version);
    }
  }

  private static final class NearestClassMeanServable extends KernelServable<NearestClassMean> {
    private final NearestClassMeanModel model;

    NearestClassMeanServable(ModelUpdate snapshot, SharedKernel<NearestClassMean> kernel,
        NearestClassMeanModel model) {
      super(snapshot, kernel);
      this.model = model;
    }

    @Override
    Predictions predict(NearestClassMean kernel, float[] features, int batchSize) {
      return kernel.predict(model, features, batchSize);
    }
  }

  private static final class KeyValueBottleneckServable extends KernelServable<KeyValueBottleneckKernel> {
    private final KeyValueBottleneck state;
    /** The frozen keys, shared by the state, the kernel and every version served on it. */
    private final float[] keys;
    /** The keys tensor this version was decoded from: a delta-applied successor carries the same buffer. */
    private final ByteBuffer keysTensor;

    KeyValueBottleneckServable(ModelUpdate snapshot, SharedKernel<KeyValueBottleneckKernel> kernel,
        KeyValueBottleneck state, float[] keys, ByteBuffer keysTensor) {
      super(snapshot, kernel);
      this.state = state;
      this.keys = keys;
      this.keysTensor = keysTensor;
    }

    /** The next version on this kernel when its settings and keys are this one's (decoded either way). */
    Optional<ServableModel> next(ModelUpdate snapshot) {
      ByteBuffer tensor = keysTensor(snapshot);
      if (tensor != keysTensor) {
        float[] decoded = KeyValueBottleneckModel.keys(snapshot);
        if (!Arrays.equals(decoded, keys)) {
          KeyValueBottleneckModel.fromSnapshot(snapshot, decoded);
          return Optional.empty();
        }
      }
      KeyValueBottleneck next = KeyValueBottleneckModel.fromSnapshot(snapshot, keys);
      if (!next.config().equals(state.config()) || next.featureDim() != state.featureDim()) {
        return Optional.empty();
      }
      return Optional.of(new KeyValueBottleneckServable(snapshot, kernel.hold(), next, keys, tensor));
    }

    @Override
    Predictions predict(KeyValueBottleneckKernel kernel, float[] features, int batchSize) {
      return kernel.predict(state, features, batchSize);
    }
  }

  private interface Predictor {
    Predictions predict(float[] features, int batchSize);
  }

  private static final class PortableServable extends KernelServable<OnnxKernel> {
    private final Predictor predictor;

    PortableServable(ModelUpdate snapshot, SharedKernel<OnnxKernel> kernel, Predictor predictor) {
      super(snapshot, kernel);
      this.predictor = predictor;
    }

    @Override
    Predictions predict(OnnxKernel kernel, float[] features, int batchSize) {
      return predictor.predict(features, batchSize);
    }
  }
}
