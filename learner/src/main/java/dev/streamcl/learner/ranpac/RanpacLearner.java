package dev.streamcl.learner.ranpac;

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
import dev.streamcl.learner.replay.PortableHead;
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * RanPAC (McDonnell et al., NeurIPS 2023) on a frozen encoder, as a plug-in: exemplar-free, its statistics
 * ({@link RanpacState}) updated per sample, the read-out re-solved, with its ridge re-chosen, when the stream's
 * labelled count reaches 256, 512, 1,024, … and then every {@link Settings#solveEvery} (positions in the stream,
 * so predictions do not depend on how it was cut: test-then-train is exact for any batching). Each snapshot
 * solves the read-out afresh with the current ridge on every sample so far, and carries it as a portable head
 * (projection and read-out); the Gram matrices stay in the job's state. Merges are exact.
 */
public final class RanpacLearner implements ContinualLearner<RanpacState, RanpacKernel> {
  private static final long serialVersionUID = 1L;
  public static final String LEARNER = "ranpac";
  public static final String READOUT = "readout";
  public static final String CLASS_COUNTS = "classCounts";
  public static final String RIDGE = "ridge";
  private static final String DIM = "--ranpac-dim";
  private static final String SEED = "--ranpac-seed";
  private static final String SOLVE_EVERY = "--ranpac-solve-every";
  /** The first solve, then doubling up to {@link Settings#solveEvery}: a new stream is predicted early. */
  static final int FIRST_SOLVE = 256;

  /**
   * @param projectionDim M, the projected dimension (the paper uses 10,000 on ViT features; each solve costs M³/3)
   * @param seed of the random projection
   * @param solveEvery labelled samples between two solves of the read-out once the stream is past the first ones
   */
  public record Settings(int projectionDim, long seed, int solveEvery) implements Serializable {
    public static final int DEFAULT_PROJECTION_DIM = 1024;
    public static final int MAX_PROJECTION_DIM = 10_000;
    public static final long DEFAULT_SEED = 1;
    public static final int DEFAULT_SOLVE_EVERY = 2048;

    public Settings {
      if (projectionDim < 1 || projectionDim > MAX_PROJECTION_DIM) {
        throw new IllegalArgumentException(DIM + " must lie in 1.." + MAX_PROJECTION_DIM + ", got " + projectionDim);
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
      return Map.of(LEARNER, "RanPAC, exemplar-free: a random ReLU projection and a ridge read-out "
          + "(McDonnell et al. 2023)");
    }

    @Override
    public List<LearnerOption> options() {
      return List.of(
          LearnerOption.of(DIM, Settings.DEFAULT_PROJECTION_DIM, "RanPAC: projected dimension M (up to "
              + Settings.MAX_PROJECTION_DIM + "; a solve costs M^3/3 and the state holds M^2 doubles)."),
          LearnerOption.of(SEED, Settings.DEFAULT_SEED, "RanPAC: seed of the random projection."),
          LearnerOption.of(SOLVE_EVERY, Settings.DEFAULT_SOLVE_EVERY, "RanPAC: labelled samples between two solves "
              + "of the read-out (after the first at 256, 512, ...)."));
    }

    @Override
    public Settings settings(OptionValues values, JobContext job) {
      int dim = values.positiveInt(DIM);
      if (dim > Settings.MAX_PROJECTION_DIM) {
        throw OptionValues.invalid(DIM, values.string(DIM), "a dimension up to " + Settings.MAX_PROJECTION_DIM
            + ", e.g. 1024 or 2048");
      }
      return new Settings(dim, values.anyLong(SEED), values.positiveInt(SOLVE_EVERY));
    }

    @Override
    public ContinualLearner<?, ?> create(String name, Settings settings, EncoderIdentity encoder) {
      return new RanpacLearner(settings, encoder);
    }

    @Override
    public Map<String, String> record(Settings settings) {
      return Map.of(DIM.substring(2), Integer.toString(settings.projectionDim()),
          SEED.substring(2), Long.toString(settings.seed()),
          SOLVE_EVERY.substring(2), Integer.toString(settings.solveEvery()));
    }

    @Override
    public Settings fromRecord(Map<String, String> recorded) {
      return new Settings(
          Integer.parseInt(recorded.getOrDefault(DIM.substring(2), Integer.toString(Settings.DEFAULT_PROJECTION_DIM))),
          Long.parseLong(recorded.getOrDefault(SEED.substring(2), Long.toString(Settings.DEFAULT_SEED))),
          Integer.parseInt(recorded.getOrDefault(SOLVE_EVERY.substring(2),
              Integer.toString(Settings.DEFAULT_SOLVE_EVERY))));
    }
  };

  /** States share a kernel when their projection is the same. */
  record ProjectionKey(int dim, int projectionDim, long seed) {}

  private final Settings settings;
  private final EncoderIdentity encoder;

  public RanpacLearner(Settings settings, EncoderIdentity encoder) {
    this.settings = settings;
    this.encoder = encoder;
  }

  @Override
  public String name() {
    return LEARNER;
  }

  @Override
  public int minibatch() {
    return 0;
  }

  @Override
  public RanpacState initialState(int featureDim) {
    return new RanpacState(featureDim, settings.projectionDim());
  }

  @Override
  public StateSchema<RanpacState> stateSchema() {
    return new RanpacStateSchema();
  }

  @Override
  public Object kernelKey(String streamId, RanpacState state) {
    return new ProjectionKey(state.dim(), state.projectionDim(), settings.seed());
  }

  @Override
  public RanpacKernel openKernel(RanpacState state, ComputeDevice device) {
    if (state.projectionDim() != settings.projectionDim()) {
      throw new IllegalStateException("This stream's RanPAC state has projection dimension " + state.projectionDim()
          + " but the job runs with " + DIM + " " + settings.projectionDim() + "; run with " + DIM + " "
          + state.projectionDim() + " to go on from this state, or start the stream from fresh state");
    }
    return new RanpacKernel(RandomProjection.weights(settings.seed(), state.dim(), state.projectionDim()),
        state.dim(), state.projectionDim(), device);
  }

  @Override
  public Predictions testThenTrain(RanpacKernel kernel, RanpacState state, FeatureBatch batch) {
    int n = batch.size();
    int m = state.projectionDim();
    int d = batch.dim;
    float[] projected = kernel.project(batch.features, n);
    int[][] labels = new int[n][];
    float[][] scores = new float[n][];
    for (int from = 0; from < n; ) {
      int to = segmentEnd(state, batch.labels, from, n);
      boolean whole = from == 0 && to == n;
      Predictions segment = kernel.predict(predictionHead(state),
          whole ? projected : Arrays.copyOfRange(projected, from * m, to * m), to - from,
          whole ? batch.features : Arrays.copyOfRange(batch.features, from * d, to * d));
      for (int i = 0; i < to - from; i++) {
        labels[from + i] = segment.topLabels(i);
        scores[from + i] = segment.topScores(i);
      }
      long solveAt = nextSolve(state.labelledSeen());
      state.learn(projected, batch.labels, batch.sequences, from, to);
      if (state.labelledSeen() == solveAt) {
        solve(state);
      }
      from = to;
    }
    return new Predictions(labels, scores, batch.features, d);
  }

  /** The end of the rows predicted by the current read-out: just after the row that reaches the next solve. */
  private int segmentEnd(RanpacState state, int[] labels, int from, int n) {
    long toSolve = nextSolve(state.labelledSeen()) - state.labelledSeen();
    for (int r = from; r < n; r++) {
      if (labels[r] >= 0 && --toSolve == 0) {
        return r + 1;
      }
    }
    return n;
  }

  /** The labelled count of the next solve after {@code labelled}: 256, 512, … up to solveEvery, then its multiples. */
  long nextSolve(long labelled) {
    int every = settings.solveEvery();
    if (labelled < every) {
      long point = Math.min(FIRST_SOLVE, every);
      while (point <= labelled) {
        point *= 2;
      }
      return Math.min(point, every);
    }
    return (labelled / every + 1) * every;
  }

  private void solve(RanpacState state) {
    int from = Double.isNaN(state.ridge()) ? -1 : RidgeReadout.indexOf(state.ridge());
    double ridge = ridge(state, RidgeReadout.chooseRidge(state, from));
    LinearHead head = RidgeReadout.readout(state, ridge);
    state.setReadout(ridge, head.classCount(), head.weights());
  }

  private static double ridge(RanpacState state, int chosen) {
    if (chosen >= 0) {
      return RidgeReadout.RIDGES[chosen];
    }
    return Double.isNaN(state.ridge()) ? RidgeReadout.FIRST_RIDGE : state.ridge();
  }

  private static LinearHead predictionHead(RanpacState state) {
    int classes = state.readoutClasses();
    return new LinearHead(Arrays.copyOf(state.labels(), classes), state.projectionDim(), state.readoutView(),
        new float[classes]);
  }

  @Override
  public ModelUpdate snapshot(RanpacState state, Publication p) {
    double ridge = Double.isNaN(state.ridge()) ? ridge(state, RidgeReadout.chooseRidge(state, -1)) : state.ridge();
    LinearHead head = RidgeReadout.readout(state, ridge);
    int classes = head.classCount();
    int m = state.projectionDim();
    float[] counts = Publication.counts(state.counts());
    ModelUpdate.Builder update = p.snapshot(LEARNER, encoder)
        .setClasses(Arrays.stream(head.labels()).boxed().collect(Collectors.toList()))
        .setTensors(List.of(DenseTensors.of(READOUT, head.weights(), classes, m),
            DenseTensors.of(CLASS_COUNTS, counts, classes),
            DenseTensors.of(RIDGE, new float[] {(float) ridge}, 1)))
        .setSamplesSeen(state.samplesSeen()).setLabelledSeen(state.labelledSeen());
    if (classes > 0) {
      update.setPortableModel(ByteBuffer.wrap(PortableHead.randomProjection(head.labels(),
          RandomProjection.weights(settings.seed(), state.dim(), m), state.dim(), m, head.weights(),
          "RanPAC (McDonnell et al. 2023) trained by StreamCL: logits = ReLU(x P) W^T, P a random projection to "
              + m + " dimensions (seed " + settings.seed() + "), W the ridge read-out (ridge " + ridge + ").")));
    }
    return update.build();
  }

  @Override
  public StateMerge<RanpacState> merge() {
    return StateMerge.exact("the Gram matrices, prototype sums and counts add; new classes follow in the second "
        + "state's order; the read-out is the first state's until the next solve", (a, b) -> {
          a.merge(b);
          return a;
        });
  }
}
