package dev.streamcl.learner.lda;

import dev.streamcl.events.DenseTensors;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.LearnerFamily;
import dev.streamcl.learner.LearnerOption;
import dev.streamcl.learner.OptionValues;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.learner.StateMerge;
import dev.streamcl.learner.StateSchema;
import dev.streamcl.learner.linear.LinearHead;
import dev.streamcl.learner.linear.LinearHeadKernel;
import dev.streamcl.learner.replay.PortableHead;
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Deep streaming LDA (Hayes and Kanan 2020) as a plug-in: exemplar-free, the statistics updated per sample, the
 * classifier solved from them before every minibatch of {@link Settings#solveEvery} samples (the samples of a
 * minibatch are predicted by the classifier before it, so the cut of the stream never changes a prediction).
 * Snapshots carry the statistics and a portable linear head; merges are exact.
 */
public final class StreamingLdaLearner implements ContinualLearner<StreamingLdaState, LinearHeadKernel> {
  private static final long serialVersionUID = 1L;
  public static final String LEARNER = "slda";
  public static final String CLASS_SUMS = "classSums";
  public static final String CLASS_COUNTS = "classCounts";
  public static final String OUTER_PRODUCTS = "outerProducts";
  private static final String SHRINKAGE = "--slda-shrinkage";
  private static final String SOLVE_EVERY = "--slda-solve-every";

  /**
   * @param shrinkage ε of Λ = ((1 − ε) Σ + ε I)⁻¹ (Hayes and Kanan use 1e-4)
   * @param solveEvery samples per minibatch: the classifier is solved (a Cholesky factorisation) once per minibatch
   */
  public record Settings(double shrinkage, int solveEvery) implements Serializable {
    public static final double DEFAULT_SHRINKAGE = 1e-4;
    public static final int DEFAULT_SOLVE_EVERY = 256;

    public Settings {
      if (!(shrinkage > 0 && shrinkage < 1)) {
        throw new IllegalArgumentException(SHRINKAGE + " must lie in (0, 1), got " + shrinkage);
      }
      if (solveEvery < 1) {
        throw new IllegalArgumentException(SOLVE_EVERY + " must be at least 1, got " + solveEvery);
      }
    }
  }

  /** The family's registry entry. */
  public static final LearnerFamily<Settings> FAMILY = new LearnerFamily<>() {
    @Override
    public Map<String, String> learners() {
      return Map.of(LEARNER, "streaming LDA, exemplar-free: class means and one shared covariance "
          + "(Hayes and Kanan 2020)");
    }

    @Override
    public List<LearnerOption> options() {
      return List.of(
          LearnerOption.of(SHRINKAGE, Settings.DEFAULT_SHRINKAGE, "Streaming LDA: shrinkage of the covariance towards"
              + " the identity, in (0, 1)."),
          LearnerOption.of(SOLVE_EVERY, Settings.DEFAULT_SOLVE_EVERY, "Streaming LDA: samples between two solves of"
              + " the classifier (each minibatch is predicted by the classifier before it)."));
    }

    @Override
    public Settings settings(OptionValues values, JobContext job) {
      float shrinkage = values.positiveFloat(SHRINKAGE);
      if (shrinkage >= 1) {
        throw OptionValues.invalid(SHRINKAGE, values.string(SHRINKAGE), "a number between 0 and 1, e.g. 0.0001");
      }
      return new Settings(shrinkage, values.positiveInt(SOLVE_EVERY));
    }

    @Override
    public ContinualLearner<?, ?> create(String name, Settings settings, EncoderIdentity encoder) {
      return new StreamingLdaLearner(settings, encoder);
    }

    @Override
    public Map<String, String> record(Settings settings) {
      return Map.of(SHRINKAGE.substring(2), Double.toString(settings.shrinkage()),
          SOLVE_EVERY.substring(2), Integer.toString(settings.solveEvery()));
    }

    @Override
    public Settings fromRecord(Map<String, String> recorded) {
      return new Settings(Double.parseDouble(recorded.getOrDefault(SHRINKAGE.substring(2),
          Double.toString(Settings.DEFAULT_SHRINKAGE))), Integer.parseInt(recorded.getOrDefault(
          SOLVE_EVERY.substring(2), Integer.toString(Settings.DEFAULT_SOLVE_EVERY))));
    }
  };

  private final Settings settings;
  private final EncoderIdentity encoder;

  public StreamingLdaLearner(Settings settings, EncoderIdentity encoder) {
    this.settings = settings;
    this.encoder = encoder;
  }

  @Override
  public String name() {
    return LEARNER;
  }

  @Override
  public int minibatch() {
    return settings.solveEvery();
  }

  @Override
  public StreamingLdaState initialState(int featureDim) {
    return new StreamingLdaState(featureDim);
  }

  @Override
  public StateSchema<StreamingLdaState> stateSchema() {
    return new StreamingLdaStateSchema();
  }

  @Override
  public Object kernelKey(String streamId, StreamingLdaState state) {
    return state.dim();
  }

  @Override
  public LinearHeadKernel openKernel(StreamingLdaState state, ComputeDevice device) {
    return new LinearHeadKernel(state.dim(), device);
  }

  @Override
  public Predictions testThenTrain(LinearHeadKernel kernel, StreamingLdaState state, FeatureBatch batch) {
    Predictions predictions = kernel.predict(StreamingLda.head(state, settings.shrinkage()), batch.features,
        batch.size());
    for (int i = 0; i < batch.size(); i++) {
      if (batch.labels[i] >= 0) {
        state.add(batch.features, i * state.dim(), batch.labels[i]);
      } else {
        state.countUnlabelled(1);
      }
    }
    return predictions;
  }

  @Override
  public ModelUpdate snapshot(StreamingLdaState state, Publication p) {
    int d = state.dim();
    int classes = state.classCount();
    float[] counts = Publication.counts(state.counts());
    LinearHead head = StreamingLda.head(state, settings.shrinkage());
    ModelUpdate.Builder update = p.snapshot(LEARNER, encoder)
        .setClasses(Arrays.stream(state.labels()).boxed().collect(Collectors.toList()))
        .setTensors(List.of(DenseTensors.of(CLASS_SUMS, floats(state.sums()), classes, d),
            DenseTensors.of(CLASS_COUNTS, counts, classes),
            DenseTensors.of(OUTER_PRODUCTS, floats(state.outerProducts()), StreamingLdaState.triangle(d))))
        .setSamplesSeen(state.samplesSeen()).setLabelledSeen(state.labelledSeen());
    if (classes > 0) {
      update.setPortableModel(ByteBuffer.wrap(PortableHead.linear("streamcl-streaming-lda", head.labels(),
          head.weights(), head.bias(), d, "Streaming LDA (Hayes and Kanan 2020) trained by StreamCL; logits = "
              + "x·Λμ − ½ μᵀΛμ with shrinkage " + settings.shrinkage() + ".")));
    }
    return update.build();
  }

  @Override
  public StateMerge<StreamingLdaState> merge() {
    return StateMerge.exact("per-class sums and counts and the sum of outer products add; new classes follow in the "
        + "second state's order", (a, b) -> {
          a.merge(b);
          return a;
        });
  }

  private static float[] floats(double[] values) {
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      floats[i] = (float) values[i];
    }
    return floats;
  }
}
