package dev.streamcl.bench;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FamilySettings;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.learner.ServableModel;
import dev.streamcl.learner.ServableModels;
import dev.streamcl.learner.StateCodec;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.kvb.RandomProjection;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.replay.ReplayHeadState;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * The kernels gpu-check runs, each the way the pipeline runs it: the pixels encoder, and for every learner
 * of the registry (default hyperparameters) its test-then-train step and its served model's prediction.
 *
 * <p>Inputs are random Fashion-MNIST-shaped images (28×28, intensities 0..255) with class structure: an
 * earlier batch of classes 0–9, which every learner has learned before the checked step (so NMC knows
 * classes, the replay buffer holds samples, FeTrIL has old classes to translate), and the checked batch of
 * classes 5–9, each image a slightly noisy copy of an earlier one. KVB's keys are the projections of the
 * earlier images (then of random ones), so every lookup has a clear nearest key on any device; a float
 * rounding then cannot flip which value row a sample fetches and learns.
 */
final class GpuCheckKernels {
  static final int[] IMAGE_SHAPE = {28, 28};
  private static final String STREAM = "gpu-check";
  private static final int CLASSES = 10;
  private static final int FIRST_NEW_CLASS = 5;
  private static final double PROTOTYPE_SHARE = 0.6;
  private static final int COPY_NOISE = 8;
  private static final int MAX_INTENSITY = 255;

  private GpuCheckKernels() {}

  /** One kernel opened on one device: {@link #reset} (not timed), {@link #run} (timed), then its outcome. */
  interface Trial extends AutoCloseable {
    /** Back to the state the checked step starts from. */
    void reset();

    void run();

    Outcome outcome();

    @Override
    void close();
  }

  /** What a run produced: predictions (or null) and named output tensors. */
  record Outcome(Predictions predictions, Map<String, float[]> tensors) {
    OutputAgreement against(Outcome reference) {
      OutputAgreement agreement = OutputAgreement.ofTensors(reference.tensors, tensors);
      return reference.predictions == null ? agreement
          : agreement.and(OutputAgreement.ofPredictions(reference.predictions, predictions));
    }
  }

  record KernelCase(String name, Function<ComputeDevice, Trial> open) {}

  /** The encoder's case, then each learner's learn and serve cases, on batches of {@code batch} images. */
  static List<KernelCase> all(int batch, long seed) {
    if (batch < 2 * CLASSES) {
      throw new IllegalArgumentException("gpu-check needs a batch of at least " + 2 * CLASSES + " images, got "
          + batch);
    }
    Random random = new Random(seed);
    Images earlier = Images.earlier(batch, random);
    Images checked = Images.copiesOfNewClasses(earlier, batch, random);
    List<KernelCase> cases = new ArrayList<>();
    cases.add(new KernelCase("encoder " + EncoderSpec.pixels(IMAGE_SHAPE, ComputeDevice.cpu()),
        device -> new EncoderTrial(device, checked)));
    FamilySettings families = LearnerJobOptions.defaults().families();
    try (Encoder encoder = EncoderSpec.pixels(IMAGE_SHAPE, ComputeDevice.cpu()).open()) {
      FeatureBatch earlierFeatures = earlier.encoded(encoder);
      FeatureBatch checkedFeatures = checked.encoded(encoder);
      for (String name : Learners.names()) {
        cases.addAll(learnerCases(Learners.create(name, families, encoder.identity()), families, earlierFeatures,
            checkedFeatures, random));
      }
    }
    return cases;
  }

  private static <S, K extends AutoCloseable> List<KernelCase> learnerCases(ContinualLearner<S, K> learner,
      FamilySettings families, FeatureBatch earlier, FeatureBatch checked, Random random) {
    StateCodec<S> codec = new StateCodec<>(learner.stateSchema());
    byte[] start = codec.encode(learnedOnce(learner, startState(learner, families, earlier, random), earlier));
    ModelUpdate snapshot = learner.snapshot(codec.decode(start),
        new Publication(STREAM, 1, earlier.size(), earlier.size(), List.of(), Instant.EPOCH));
    return List.of(
        new KernelCase(learner.name() + " learn", device -> new LearnerTrial<>(learner, start, checked, device)),
        new KernelCase(learner.name() + " serve", device -> new ServingTrial(snapshot, checked, device)));
  }

  @SuppressWarnings("unchecked")
  private static <S> S startState(ContinualLearner<S, ?> learner, FamilySettings families, FeatureBatch earlier,
      Random random) {
    if (learner instanceof KeyValueBottleneckLearner) {
      return (S) keysAtEarlierImages(families.of(KeyValueBottleneckLearner.FAMILY).hyperparameters(), earlier,
          random);
    }
    S initial = learner.initialState(earlier.dim);
    return initial != null ? initial : learner.warmup().fit(earlier);
  }

  // The state after learning the earlier batch on the CPU.
  private static <S, K extends AutoCloseable> S learnedOnce(ContinualLearner<S, K> learner, S state,
      FeatureBatch earlier) {
    K kernel = learner.openKernel(state, ComputeDevice.cpu());
    try {
      for (FeatureBatch minibatch : minibatches(earlier, learner.minibatch())) {
        learner.testThenTrain(kernel, state, minibatch);
      }
      return state;
    } finally {
      close(kernel, learner.name() + " kernel");
    }
  }

  // The batch cut as the job cuts a stream for the learner: minibatches of its size, or whole when it has none.
  private static List<FeatureBatch> minibatches(FeatureBatch batch, int minibatch) {
    int piece = minibatch > 0 ? minibatch : batch.size();
    List<FeatureBatch> pieces = new ArrayList<>();
    for (int from = 0; from < batch.size(); from += piece) {
      pieces.add(batch.slice(from, Math.min(from + piece, batch.size())));
    }
    return pieces;
  }

  private static Predictions joined(List<Predictions> parts) {
    int samples = parts.stream().mapToInt(Predictions::batchSize).sum();
    int dim = parts.get(0).featureDim();
    int[][] labels = new int[samples][];
    float[][] scores = new float[samples][];
    float[] features = new float[samples * dim];
    int row = 0;
    for (Predictions part : parts) {
      System.arraycopy(part.features(), 0, features, row * dim, part.batchSize() * dim);
      for (int i = 0; i < part.batchSize(); i++, row++) {
        labels[row] = part.topLabels(i);
        scores[row] = part.topScores(i);
      }
    }
    return new Predictions(labels, scores, features, dim);
  }

  // Key k of every codebook is the projection of earlier image k (random images once those run out).
  private static KeyValueBottleneck keysAtEarlierImages(KvbHyperparameters config, FeatureBatch earlier,
      Random random) {
    int keys = config.keysPerCodebook();
    int dim = earlier.dim;
    float[] anchors = new float[keys * dim];
    int copied = Math.min(keys, earlier.size());
    System.arraycopy(earlier.features, 0, anchors, 0, copied * dim);
    for (int i = copied * dim; i < anchors.length; i++) {
      anchors[i] = random.nextFloat();
    }
    float[] z = RandomProjection.project(RandomProjection.matrix(config, dim), anchors, keys, dim);
    int width = config.projectedDim();
    int keyDim = config.keyDim();
    float[] codebooks = new float[config.valueRows() * keyDim]; // [C, K, dk]
    for (int c = 0; c < config.codebooks(); c++) {
      for (int k = 0; k < keys; k++) {
        System.arraycopy(z, k * width + c * keyDim, codebooks, (c * keys + k) * keyDim, keyDim);
      }
    }
    return KeyValueBottleneck.withKeys(config, dim, codebooks);
  }

  /** What a learner learned, as float tensors to compare. */
  private static Map<String, float[]> learnedParameters(Object state) {
    Map<String, float[]> tensors = new LinkedHashMap<>();
    if (state instanceof ClassMeanState means) {
      double[] sums = means.sums();
      float[] floats = new float[sums.length];
      for (int i = 0; i < sums.length; i++) {
        floats[i] = (float) sums[i];
      }
      tensors.put("class sums", floats);
    } else if (state instanceof KeyValueBottleneck bottleneck) {
      tensors.put("values", bottleneck.values());
    } else if (state instanceof ReplayHeadState replay) {
      tensors.put("head weights", replay.head().weightsView().clone());
      tensors.put("head bias", replay.head().biasView().clone());
    }
    return tensors;
  }

  private static void close(AutoCloseable resource, String what) {
    try {
      resource.close();
    } catch (Exception e) {
      throw new IllegalStateException("Could not close the " + what, e);
    }
  }

  /** A batch of images [n, 28, 28] (intensities 0..255 as floats) and their labels. */
  private record Images(float[] pixels, int[] labels) {
    private static final int SIZE = IMAGE_SHAPE[0] * IMAGE_SHAPE[1];

    /** Classes 0–9 in a random order, each image 60% its class's random prototype and 40% noise. */
    static Images earlier(int n, Random random) {
      float[][] prototypes = new float[CLASSES][SIZE];
      for (float[] prototype : prototypes) {
        for (int j = 0; j < SIZE; j++) {
          prototype[j] = random.nextInt(MAX_INTENSITY + 1);
        }
      }
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = i % CLASSES;
      }
      shuffle(labels, random);
      float[] pixels = new float[n * SIZE];
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < SIZE; j++) {
          pixels[i * SIZE + j] = Math.round(PROTOTYPE_SHARE * prototypes[labels[i]][j]
              + (1 - PROTOTYPE_SHARE) * random.nextInt(MAX_INTENSITY + 1));
        }
      }
      return new Images(pixels, labels);
    }

    /** Images of classes 5–9, each an earlier image of its class with a little noise. */
    static Images copiesOfNewClasses(Images earlier, int n, Random random) {
      int[] newClassRows = IntStream.range(0, earlier.labels.length)
          .filter(i -> earlier.labels[i] >= FIRST_NEW_CLASS).toArray();
      int[] labels = new int[n];
      float[] pixels = new float[n * SIZE];
      for (int i = 0; i < n; i++) {
        int original = newClassRows[random.nextInt(newClassRows.length)];
        labels[i] = earlier.labels[original];
        for (int j = 0; j < SIZE; j++) {
          float noisy = earlier.pixels[original * SIZE + j] + random.nextInt(2 * COPY_NOISE + 1) - COPY_NOISE;
          pixels[i * SIZE + j] = Math.max(0, Math.min(MAX_INTENSITY, noisy));
        }
      }
      return new Images(pixels, labels);
    }

    /** The images through the (CPU) encoder, as the stream's feature batch. */
    FeatureBatch encoded(Encoder encoder) {
      FeatureBatch batch = FeatureBatch.allocate(STREAM, encoder.outputDim(), labels.length);
      System.arraycopy(encoder.encode(pixels, labels.length), 0, batch.features, 0, batch.features.length);
      System.arraycopy(labels, 0, batch.labels, 0, labels.length);
      for (int i = 0; i < labels.length; i++) {
        batch.sequences[i] = i;
        batch.offsets[i] = i;
      }
      return batch;
    }

    private static void shuffle(int[] values, Random random) {
      for (int i = values.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int swap = values[i];
        values[i] = values[j];
        values[j] = swap;
      }
    }
  }

  private static final class EncoderTrial implements Trial {
    private final Encoder encoder;
    private final Images images;
    private float[] features;

    EncoderTrial(ComputeDevice device, Images images) {
      this.encoder = EncoderSpec.pixels(IMAGE_SHAPE, device).open();
      this.images = images;
    }

    @Override
    public void reset() {
      features = null;
    }

    @Override
    public void run() {
      features = encoder.encode(images.pixels(), images.labels().length);
    }

    @Override
    public Outcome outcome() {
      return new Outcome(null, Map.of("features", features));
    }

    @Override
    public void close() {
      encoder.close();
    }
  }

  /**
   * Test-then-train on the checked batch, from the state that learned the earlier batch, in the learner's
   * own minibatches as the job cuts them (32 for the replay heads, 256 for KVB, the whole batch for NMC).
   */
  private static final class LearnerTrial<S, K extends AutoCloseable> implements Trial {
    private final ContinualLearner<S, K> learner;
    private final StateCodec<S> codec;
    private final byte[] start;
    private final List<FeatureBatch> minibatches;
    private final K kernel;
    private final List<Predictions> predictions = new ArrayList<>();
    private S state;

    LearnerTrial(ContinualLearner<S, K> learner, byte[] start, FeatureBatch batch, ComputeDevice device) {
      this.learner = learner;
      this.codec = new StateCodec<>(learner.stateSchema());
      this.start = start;
      this.minibatches = minibatches(batch, learner.minibatch());
      this.kernel = learner.openKernel(codec.decode(start), device);
    }

    @Override
    public void reset() {
      state = codec.decode(start);
      predictions.clear();
    }

    @Override
    public void run() {
      for (FeatureBatch minibatch : minibatches) {
        predictions.add(learner.testThenTrain(kernel, state, minibatch));
      }
    }

    @Override
    public Outcome outcome() {
      Predictions joined = joined(predictions);
      Map<String, float[]> tensors = learnedParameters(state);
      tensors.put("features", joined.features());
      return new Outcome(joined, tensors);
    }

    @Override
    public void close() {
      GpuCheckKernels.close(kernel, learner.name() + " kernel");
    }
  }

  /** The served model (a snapshot of the state that learned the earlier batch) predicting the checked batch. */
  private static final class ServingTrial implements Trial {
    private final ServableModel model;
    private final FeatureBatch batch;
    private Predictions predictions;

    ServingTrial(ModelUpdate snapshot, FeatureBatch batch, ComputeDevice device) {
      this.model = ServableModels.fromSnapshot(snapshot, device);
      this.batch = batch;
    }

    @Override
    public void reset() {
      predictions = null;
    }

    @Override
    public void run() {
      predictions = model.predict(batch.features, batch.size());
    }

    @Override
    public Outcome outcome() {
      return new Outcome(predictions, Map.of());
    }

    @Override
    public void close() {
      model.close();
    }
  }
}
