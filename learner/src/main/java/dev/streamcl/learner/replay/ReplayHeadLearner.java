package dev.streamcl.learner.replay;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.LearnerFamily;
import dev.streamcl.learner.LearnerOption;
import dev.streamcl.learner.OptionValues;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.learner.RecordedValues;
import dev.streamcl.learner.StateMerge;
import dev.streamcl.learner.StateSchema;
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * A softmax head over frozen features trained by minibatch SGD, rehearsing from a replay memory: a
 * reservoir or class-balanced buffer (experience replay), class centroids (FeTrIL pseudo-features), or
 * nothing (fine-tuning, the lower bound). Test-then-train per fixed minibatch; every version is a small
 * snapshot that also carries the head as a portable ONNX model.
 */
public final class ReplayHeadLearner implements ContinualLearner<ReplayHeadState, SoftmaxSgdKernel> {
  private static final long serialVersionUID = 1L;

  /** The knobs every replay head of a job shares: buffer size, samples per step, SGD, seed. */
  public record Settings(int capacity, int minibatch, int replayCount, float learningRate, int stepsPerMinibatch,
      long seed) implements Serializable {
    public static final int DEFAULT_MINIBATCH = 32;
    public static final int DEFAULT_CAPACITY = 500;
    public static final float DEFAULT_LEARNING_RATE = 0.1f;
    public static final long DEFAULT_SEED = 42L;

    public static Settings defaults() {
      return new Settings(DEFAULT_CAPACITY, DEFAULT_MINIBATCH, DEFAULT_MINIBATCH, DEFAULT_LEARNING_RATE, 1,
          DEFAULT_SEED);
    }
  }

  /** The learners of this family: how each rehearses. */
  public enum Variant {
    ER("er", "experience replay from a reservoir buffer (Chaudhry et al. 2019)", ReplayHyperparameters.Mode.ER,
        ReplayBuffer.Policy.RESERVOIR),
    ER_BALANCED("er-balanced", "experience replay from a class-balanced buffer", ReplayHyperparameters.Mode.ER,
        ReplayBuffer.Policy.CLASS_BALANCED),
    FETRIL("fetril", "exemplar-free pseudo-feature replay (FeTrIL, Petit et al. 2023)",
        ReplayHyperparameters.Mode.PSEUDO_FEATURE, ReplayBuffer.Policy.RESERVOIR),
    FINETUNE("finetune", "the head without replay: the lower bound", ReplayHyperparameters.Mode.NO_REPLAY,
        ReplayBuffer.Policy.RESERVOIR);

    private final String learnerName;
    private final String description;
    private final ReplayHyperparameters.Mode mode;
    private final ReplayBuffer.Policy policy;

    Variant(String learnerName, String description, ReplayHyperparameters.Mode mode, ReplayBuffer.Policy policy) {
      this.learnerName = learnerName;
      this.description = description;
      this.mode = mode;
      this.policy = policy;
    }

    /** The name the learner publishes under. */
    public String learnerName() {
      return learnerName;
    }

    static Variant named(String name) {
      for (Variant variant : values()) {
        if (variant.learnerName.equals(name)) {
          return variant;
        }
      }
      throw new IllegalArgumentException("Unknown replay learner '" + name + "'; the replay learners are "
          + java.util.Arrays.stream(values()).map(Variant::learnerName).toList());
    }
  }

  /** The family's registry entry: names, options, settings. */
  public static final LearnerFamily<Settings> FAMILY = new Family();
  /** The option of the heads' SGD learning rate (scenarios with their own default name it). */
  public static final String LEARNING_RATE_OPTION = "--replay-lr";

  private final String name;
  private final ReplayHyperparameters config;
  private final int minibatch;
  private final EncoderIdentity encoder;

  public ReplayHeadLearner(String name, Settings settings, EncoderIdentity encoder) {
    Variant variant = Variant.named(name);
    this.name = name;
    this.config = new ReplayHyperparameters(variant.mode, variant.policy, settings.capacity(), settings.replayCount(),
        settings.learningRate(), settings.stepsPerMinibatch(), settings.seed());
    this.minibatch = settings.minibatch();
    this.encoder = encoder;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int minibatch() {
    return minibatch;
  }

  @Override
  public ReplayHeadState initialState(int featureDim) {
    return new ReplayHeadState(new SoftmaxHead(featureDim), config.newMemory(featureDim));
  }

  @Override
  public StateSchema<ReplayHeadState> stateSchema() {
    return new ReplayHeadStateSchema();
  }

  @Override
  public Object kernelKey(String streamId, ReplayHeadState state) {
    return state.head().dim();
  }

  @Override
  public SoftmaxSgdKernel openKernel(ReplayHeadState state, ComputeDevice device) {
    return new SoftmaxSgdKernel(state.head().dim(), device);
  }

  /** Unlabelled samples are predicted but not learned. */
  @Override
  public Predictions testThenTrain(SoftmaxSgdKernel kernel, ReplayHeadState state, FeatureBatch batch) {
    ExperienceReplay learner = ExperienceReplay.sharing(config, state.head(), state.memory(), kernel);
    int[] labelled = IntStream.range(0, batch.size()).filter(i -> batch.labels[i] >= 0).toArray();
    if (labelled.length == batch.size()) {
      return learner.testThenTrain(batch.features, batch.size(), batch.labels);
    }
    Predictions predictions = learner.predict(batch.features, batch.size());
    if (labelled.length > 0) {
      float[] x = new float[labelled.length * batch.dim];
      int[] labels = new int[labelled.length];
      for (int k = 0; k < labelled.length; k++) {
        System.arraycopy(batch.features, labelled[k] * batch.dim, x, k * batch.dim, batch.dim);
        labels[k] = batch.labels[labelled[k]];
      }
      learner.testThenTrain(x, labelled.length, labels);
    }
    return predictions;
  }

  @Override
  public ModelUpdate snapshot(ReplayHeadState state, Publication p) {
    SoftmaxHead head = state.head();
    return ModelUpdate.newBuilder()
        .setStreamId(p.streamId()).setLearner(name).setModelVersion(p.version())
        .setKind(UpdateKind.SNAPSHOT).setBaseVersion(null).setEncoderIdentity(encoder)
        .setClasses(IntStream.of(head.labels()).boxed().toList())
        .setTensors(List.of(
            tensor("weights", List.of(head.classCount(), head.dim()), head.weightsView()),
            tensor("bias", List.of(head.classCount()), head.biasView())))
        .setSamplesSeen(p.samplesSeen()).setLabelledSeen(p.labelledSeen())
        .setSourceOffsets(p.sourceOffsets()).setCreatedAt(p.createdAt())
        .setProperties(Map.of("mode", config.mode().name(), "policy", config.policy().name(),
            "capacity", Integer.toString(config.capacity())))
        .setPortableModel(ByteBuffer.wrap(PortableHead.forSoftmaxHead(head)))
        .build();
  }

  @Override
  public StateMerge<ReplayHeadState> merge() {
    return StateMerge.weighted("model soup (Wortsman et al. 2022): weights and biases of the subtasks' heads, each "
        + "trained on its part of the stream from the same zero start, averaged in proportion to the labelled samples "
        + "each learned; replay memories stay with their subtasks (the first state's is kept)", (a, n, b, m) -> {
          a.head().averageWith(n, b.head(), m);
          return a;
        });
  }

  private static NamedTensor tensor(String name, List<Integer> shape, float[] values) {
    return NamedTensor.newBuilder().setName(name).setShape(shape).setRowIndices(null)
        .setValues(FloatBytes.toBytes(values)).build();
  }

  private static final class Family implements LearnerFamily<Settings> {
    private static final String CAPACITY = "--replay-capacity";
    private static final String BATCH = "--replay-batch";
    private static final String COUNT = "--replay-count";
    private static final String LEARNING_RATE = LEARNING_RATE_OPTION;
    private static final String STEPS = "--replay-steps";
    private static final String SEED = "--replay-seed";

    @Override
    public Map<String, String> learners() {
      Map<String, String> names = new LinkedHashMap<>();
      for (Variant variant : Variant.values()) {
        names.put(variant.learnerName, variant.description);
      }
      return names;
    }

    @Override
    public List<LearnerOption> options() {
      return List.of(
          LearnerOption.of(CAPACITY, Settings.DEFAULT_CAPACITY, "Replay buffer size per stream for er/er-balanced."),
          LearnerOption.of(BATCH, Settings.DEFAULT_MINIBATCH, "New samples per SGD minibatch of the replay heads."),
          LearnerOption.of(COUNT, Settings.DEFAULT_MINIBATCH,
              "Replayed (or pseudo) samples mixed into each minibatch."),
          LearnerOption.of(LEARNING_RATE, Settings.DEFAULT_LEARNING_RATE, "SGD learning rate of the replay heads."),
          LearnerOption.of(STEPS, 1, "SGD steps per minibatch of the replay heads."),
          LearnerOption.of(SEED, Settings.DEFAULT_SEED, "Seed of the replay buffers' and pseudo-features' draws."));
    }

    @Override
    public Settings settings(OptionValues values, JobContext job) {
      return new Settings(values.positiveInt(CAPACITY), values.positiveInt(BATCH), values.nonNegativeInt(COUNT),
          values.positiveFloat(LEARNING_RATE), values.positiveInt(STEPS), values.anyLong(SEED));
    }

    @Override
    public ContinualLearner<?, ?> create(String name, Settings settings, EncoderIdentity encoder) {
      return new ReplayHeadLearner(name, settings, encoder);
    }

    @Override
    public Map<String, String> record(Settings s) {
      return Map.of("replay", s.capacity() + "," + s.minibatch() + "," + s.replayCount() + "," + s.learningRate() + ","
          + s.stepsPerMinibatch() + "," + s.seed());
    }

    @Override
    public Settings fromRecord(Map<String, String> recorded) {
      String[] r = RecordedValues.list(recorded, "replay", 6);
      return new Settings(Integer.parseInt(r[0]), Integer.parseInt(r[1]), Integer.parseInt(r[2]),
          Float.parseFloat(r[3]), Integer.parseInt(r[4]), Long.parseLong(r[5]));
    }
  }
}
