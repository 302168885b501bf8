package dev.streamcl.learner.nmc;

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
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Nearest class mean (Janson et al. 2022) as a plug-in: exact per-sample test-then-train under any
 * batching (one {@link NearestClassMean} kernel call per batch), a snapshot per version with the class
 * sums, counts and a portable Gemm head, and exact merges (sums add).
 */
public final class NearestClassMeanLearner implements ContinualLearner<ClassMeanState, NearestClassMean> {
  private static final long serialVersionUID = 1L;

  /** NMC has no settings of its own. */
  public record Settings() implements Serializable {}

  /** The family's registry entry. */
  public static final LearnerFamily<Settings> FAMILY = new LearnerFamily<>() {
    @Override
    public Map<String, String> learners() {
      return Map.of(NearestClassMeanModel.LEARNER, "nearest class mean, exemplar-free (Janson et al. 2022)");
    }

    @Override
    public List<LearnerOption> options() {
      return List.of();
    }

    @Override
    public Settings settings(OptionValues values, JobContext job) {
      return new Settings();
    }

    @Override
    public ContinualLearner<?, ?> create(String name, Settings settings, EncoderIdentity encoder) {
      return new NearestClassMeanLearner(encoder);
    }

    @Override
    public Map<String, String> record(Settings settings) {
      return Map.of();
    }

    @Override
    public Settings fromRecord(Map<String, String> recorded) {
      return new Settings();
    }
  };

  private final EncoderIdentity encoder;

  public NearestClassMeanLearner(EncoderIdentity encoder) {
    this.encoder = encoder;
  }

  @Override
  public String name() {
    return NearestClassMeanModel.LEARNER;
  }

  @Override
  public int minibatch() {
    return 0;
  }

  @Override
  public ClassMeanState initialState(int featureDim) {
    return new ClassMeanState(featureDim);
  }

  @Override
  public StateSchema<ClassMeanState> stateSchema() {
    return new ClassMeanStateSchema();
  }

  @Override
  public Object kernelKey(String streamId, ClassMeanState state) {
    return state.dim();
  }

  @Override
  public NearestClassMean openKernel(ClassMeanState state, ComputeDevice device) {
    return new NearestClassMean(state.dim(), device);
  }

  @Override
  public Predictions testThenTrain(NearestClassMean kernel, ClassMeanState state, FeatureBatch batch) {
    Predictions predictions = kernel.predictThenNormalize(state, batch.features, batch.size(), batch.labels);
    for (int i = 0; i < batch.size(); i++) {
      if (batch.labels[i] >= 0) {
        state.addRounded(predictions.features(), predictions.featureOffset(i), batch.labels[i]);
      } else {
        state.countUnlabelled(1);
      }
    }
    return predictions;
  }

  @Override
  public ModelUpdate snapshot(ClassMeanState state, Publication p) {
    return NearestClassMeanModel.of(state, encoder).toSnapshot(p.streamId(), p.version(), state.samplesSeen(),
        state.labelledSeen(), p.sourceOffsets(), p.createdAt());
  }

  @Override
  public StateMerge<ClassMeanState> merge() {
    return StateMerge.exact("per-class sums (of features rounded to 2^-30, so every sum is exact) and counts add",
        (a, b) -> {
          a.merge(b);
          return a;
        });
  }
}
