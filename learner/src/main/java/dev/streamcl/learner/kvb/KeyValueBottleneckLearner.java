package dev.streamcl.learner.kvb;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.DeltaPublishing;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.LearnerFamily;
import dev.streamcl.learner.LearnerOption;
import dev.streamcl.learner.OptionValues;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.learner.RecordedValues;
import dev.streamcl.learner.StateMerge;
import dev.streamcl.learner.StateSchema;
import dev.streamcl.learner.Warmup;
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The discrete key-value bottleneck (Träuble et al., ICML 2023) as a plug-in: keys fitted by EMA
 * k-means on the first unlabelled samples (of the stream, or of a key-init topic) and frozen, then
 * test-then-train per fixed SGD minibatch. The first version is a snapshot; later ones are deltas of
 * the value rows the learner touched, with a snapshot every {@code snapshotEvery} deltas.
 */
public final class KeyValueBottleneckLearner implements ContinualLearner<KeyValueBottleneck, KeyValueBottleneckKernel> {
  private static final long serialVersionUID = 1L;
  /** Key initialisation feeds EMA k-means in fixed chunks, so keys do not depend on Flink's micro-batches. */
  private static final int KMEANS_CHUNK = 256;
  /** Largest class count the bottleneck accepts: its values hold one float per class. */
  static final int MAX_CLASSES = 1000;

  /**
   * How the job runs the bottleneck: its hyperparameters, the SGD minibatch, a full snapshot every
   * {@code snapshotEvery} deltas, and where keys come from: the stream's first samples
   * ({@code keyInitTopic == null}) or a topic of unlabelled samples.
   */
  public record Settings(KvbHyperparameters hyperparameters, int minibatch, int snapshotEvery, String keyInitTopic)
      implements Serializable {
    public static final int DEFAULT_MINIBATCH = 256;
    public static final int DEFAULT_SNAPSHOT_EVERY = 10;

    public Settings {
      if (minibatch <= 0 || snapshotEvery <= 0) {
        throw new IllegalArgumentException("KVB minibatch and snapshot interval must be positive");
      }
    }

    public static Settings defaults(int classes) {
      return new Settings(KvbHyperparameters.defaults().withClasses(classes), DEFAULT_MINIBATCH, DEFAULT_SNAPSHOT_EVERY,
          null);
    }

    public Settings withKeyInitTopic(String topic) {
      return new Settings(hyperparameters, minibatch, snapshotEvery, topic);
    }
  }

  /** The family's registry entry: name, options, settings. */
  public static final LearnerFamily<Settings> FAMILY = new Family();

  private final Settings settings;
  private final EncoderIdentity encoder;

  public KeyValueBottleneckLearner(Settings settings, EncoderIdentity encoder) {
    if (settings.hyperparameters().classes() > MAX_CLASSES) {
      throw new IllegalArgumentException("KVB keeps one value per class: set --label-limit to the number of classes "
          + "(at most " + MAX_CLASSES + "), got " + settings.hyperparameters().classes());
    }
    this.settings = settings;
    this.encoder = encoder;
  }

  @Override
  public String name() {
    return KeyValueBottleneckModel.LEARNER;
  }

  @Override
  public int minibatch() {
    return settings.minibatch();
  }

  @Override
  public KeyValueBottleneck initialState(int featureDim) {
    return null; // keys first
  }

  @Override
  public StateSchema<KeyValueBottleneck> stateSchema() {
    return new KeyValueBottleneckSchema();
  }

  /** The kernel holds the stream's frozen keys as constants. */
  @Override
  public Object kernelKey(String streamId, KeyValueBottleneck state) {
    return streamId;
  }

  @Override
  public KeyValueBottleneckKernel openKernel(KeyValueBottleneck state, ComputeDevice device) {
    return new KeyValueBottleneckKernel(state, device);
  }

  @Override
  public Predictions testThenTrain(KeyValueBottleneckKernel kernel, KeyValueBottleneck state, FeatureBatch batch) {
    return kernel.trainStep(state, batch.features, batch.size(), batch.labels);
  }

  @Override
  public ModelUpdate snapshot(KeyValueBottleneck state, Publication p) {
    return KeyValueBottleneckModel.snapshot(p.streamId(), p.version(), state, encoder, p.sourceOffsets(),
        p.createdAt());
  }

  @Override
  public DeltaPublishing<KeyValueBottleneck> deltas() {
    return new DeltaPublishing<>() {
      @Override
      public int snapshotEvery() {
        return settings.snapshotEvery();
      }

      @Override
      public ModelUpdate delta(KeyValueBottleneck state, Publication p) {
        return KeyValueBottleneckModel.delta(p.streamId(), p.version(), p.baseVersion(), state, encoder,
            p.sourceOffsets(), p.createdAt());
      }

      @Override
      public void published(KeyValueBottleneck state) {
        state.clearTouchedRows();
      }
    };
  }

  @Override
  public Warmup<KeyValueBottleneck> warmup() {
    return new Warmup<>() {
      @Override
      public int samplesWanted() {
        return settings.hyperparameters().keyInitSamples();
      }

      @Override
      public String topic() {
        return settings.keyInitTopic();
      }

      @Override
      public KeyValueBottleneck fit(FeatureBatch samples) {
        EmaKMeans kMeans = new EmaKMeans(settings.hyperparameters(), samples.dim);
        for (int from = 0; from < samples.size(); from += KMEANS_CHUNK) {
          FeatureBatch chunk = samples.slice(from, Math.min(from + KMEANS_CHUNK, samples.size()));
          kMeans.feed(chunk.features, chunk.size());
        }
        return kMeans.freeze();
      }

      @Override
      public String shortfall(int samples) {
        int keys = settings.hyperparameters().keysPerCodebook();
        return samples >= keys ? null : "the input ended after " + samples + " samples, fewer than the " + keys
            + " keys per codebook: the keys were frozen with those " + samples + " (only " + samples + " distinct keys "
            + "per codebook, a weak bottleneck); give the stream at least " + keys + " samples, or its keys from a "
            + "key-init topic (--kvb-keys topic)";
      }
    };
  }

  @Override
  public StateMerge<KeyValueBottleneck> merge() {
    return StateMerge.approximate("same frozen keys required; the subtasks' value deltas from the common zero start "
        + "add (equal to one sequence where their samples fetch disjoint value rows), sample counts add", (a, b) -> {
          a.mergeAdditive(b);
          return a;
        });
  }

  private static final class Family implements LearnerFamily<Settings> {
    private static final String PRESET = "--kvb-preset";
    private static final String KEYS = "--kvb-keys";
    private static final String BATCH = "--kvb-batch";
    private static final String SNAPSHOT_EVERY = "--kvb-snapshot-every";

    @Override
    public Map<String, String> learners() {
      return Map.of(KeyValueBottleneckModel.LEARNER, "discrete key-value bottleneck (Träuble et al. 2023)");
    }

    @Override
    public List<LearnerOption> options() {
      return List.of(
          LearnerOption.of(PRESET, "default", "KVB size: default (64 codebooks x 512 keys, fast on 2 cores), larger "
              + "(128 x 2048), paper (256 x 4096)."),
          LearnerOption.of(KEYS, "topic", "Where KVB keys come from: topic (the unlabelled <prefix>.key-init topic "
              + "`publish` fills with samples of every class, as the paper initialises keys; a stream with none "
              + "there when the job starts falls back to its own first samples, with a warning) or stream (its "
              + "first samples, labels ignored)."),
          LearnerOption.of(BATCH, Settings.DEFAULT_MINIBATCH, "KVB SGD minibatch (the paper's 256 by default)."),
          LearnerOption.of(SNAPSHOT_EVERY, Settings.DEFAULT_SNAPSHOT_EVERY,
              "KVB publishes a full snapshot after this many deltas."));
    }

    @Override
    public Settings settings(OptionValues values, JobContext job) {
      KvbHyperparameters preset = switch (values.choice(PRESET, "default", "larger", "paper")) {
        case "larger" -> KvbHyperparameters.larger();
        case "paper" -> KvbHyperparameters.paper();
        default -> KvbHyperparameters.defaults();
      };
      String keyInitTopic = values.choice(KEYS, "topic", "stream").equals("topic")
          ? new Topics(job.topicPrefix()).keyInit().name() : null;
      return new Settings(preset.withClasses(job.labelLimit()), values.positiveInt(BATCH),
          values.positiveInt(SNAPSHOT_EVERY), keyInitTopic);
    }

    @Override
    public ContinualLearner<?, ?> create(String name, Settings settings, EncoderIdentity encoder) {
      return new KeyValueBottleneckLearner(settings, encoder);
    }

    @Override
    public Map<String, String> record(Settings s) {
      KvbHyperparameters kvb = s.hyperparameters();
      Map<String, String> p = new LinkedHashMap<>();
      p.put("kvb.config", kvb.codebooks() + "," + kvb.keysPerCodebook() + "," + kvb.keyDim() + "," + kvb.topK() + ","
          + kvb.classes() + "," + kvb.learningRate() + "," + kvb.labelSmoothing() + "," + kvb.seed() + ","
          + kvb.emaDecay() + "," + kvb.deadKeyFactor() + "," + kvb.keyInitSamples());
      p.put("kvb.trainBatch", Integer.toString(s.minibatch()));
      p.put("kvb.snapshotEvery", Integer.toString(s.snapshotEvery()));
      if (s.keyInitTopic() != null) {
        p.put("kvb.keyInitTopic", s.keyInitTopic());
      }
      return p;
    }

    @Override
    public Settings fromRecord(Map<String, String> recorded) {
      String[] k = RecordedValues.list(recorded, "kvb.config", 11);
      KvbHyperparameters config = new KvbHyperparameters(Integer.parseInt(k[0]), Integer.parseInt(k[1]),
          Integer.parseInt(k[2]), Integer.parseInt(k[3]), Integer.parseInt(k[4]), Double.parseDouble(k[5]),
          Double.parseDouble(k[6]), Long.parseLong(k[7]), Double.parseDouble(k[8]), Double.parseDouble(k[9]),
          Integer.parseInt(k[10]));
      return new Settings(config, Integer.parseInt(RecordedValues.get(recorded, "kvb.trainBatch")),
          Integer.parseInt(RecordedValues.get(recorded, "kvb.snapshotEvery")), recorded.get("kvb.keyInitTopic"));
    }

    @Override
    public String warmupTopic(Settings settings) {
      return settings.keyInitTopic();
    }

    @Override
    public int warmupSamples(Settings settings) {
      return settings.hyperparameters().keyInitSamples();
    }
  }
}
