package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.learner.LearnerFamily;
import dev.streamcl.learner.LearnerOption;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.OptionValues;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The learner job's options, declared once: the job-level ones here and each learner family's in the
 * registry ({@link Learners}). The CLI's {@code learn} and {@code demo} and the job jar's {@code main}
 * add them to their picocli commands with {@link Transformer} and read them with {@link #config}, so
 * both entry points accept the same options and build the same {@link LearnerJobConfig}.
 */
public final class LearnerJobOptions {
  public static final String ENCODER = "--encoder";
  public static final String DEVICE = "--device";
  public static final String CPU_FALLBACK = "--cpu-fallback";
  public static final String BATCH_SIZE = "--batch-size";
  public static final String BATCH_DELAY_MS = "--batch-delay-ms";
  public static final String PUBLISH_EVERY = "--publish-every";
  public static final String NO_TASK_BOUNDARIES = "--no-task-boundaries";
  public static final String LABEL_LIMIT = "--label-limit";
  public static final String MAX_PAYLOAD_BYTES = "--max-payload-bytes";
  public static final String PARALLELISM = "--parallelism";
  public static final String STREAM_PARALLELISM = "--stream-parallelism";
  public static final String CHECKPOINT_INTERVAL_MS = "--checkpoint-interval-ms";
  public static final String STATE_BACKEND = "--state-backend";
  public static final String LEARNERS = "--learners";
  public static final String DRIFT_DELTA = "--drift-delta";

  public static final int DEFAULT_LABEL_LIMIT = 10;
  public static final int DEFAULT_PARALLELISM = 2;

  private LearnerJobOptions() {}

  /** Options of the job itself (not of one learner family). */
  public static List<LearnerOption> jobOptions() {
    return List.of(
        LearnerOption.of(ENCODER, "pixels:28x28", "Frozen encoder: pixels:HxW[xC] (flatten, scale to [0,1]) or "
            + "file:/path/model.onnx."),
        LearnerOption.of(DEVICE, "cpu", "ONNX Runtime device: cpu or cuda:N."),
        LearnerOption.flag(CPU_FALLBACK, "Run on the CPU when the CUDA provider cannot load, instead of failing."),
        LearnerOption.of(BATCH_SIZE, 64, "Samples per encoder/kernel micro-batch."),
        LearnerOption.of(BATCH_DELAY_MS, 100, "Longest a sample waits for its micro-batch to fill, in ms."),
        LearnerOption.of(PUBLISH_EVERY, 1000, "Publish a model version every N labelled samples, and at end of input."),
        LearnerOption.flag(NO_TASK_BOUNDARIES, "Do not publish a version (nor close SGD minibatches) when a higher "
            + "task id arrives; for task-free streams whose samples still carry their source task (blurry-fmnist)."),
        LearnerOption.of(LABEL_LIMIT, DEFAULT_LABEL_LIMIT,
            "Number of classes: labels must lie in [0, N), others are dead-lettered."),
        LearnerOption.of(MAX_PAYLOAD_BYTES, 1 << 20, "Larger sample records are dead-lettered."),
        LearnerOption.of(PARALLELISM, DEFAULT_PARALLELISM, "Flink parallelism."),
        LearnerOption.of(STREAM_PARALLELISM, 1, "Learner subtasks each stream is spread over (sample s to subtask "
            + "s mod N), their states merged at every version: exactly for nmc, slda and ranpac; kvb adds the "
            + "subtasks' value deltas; replay heads average (a model soup)."),
        LearnerOption.of(CHECKPOINT_INTERVAL_MS, 2000, "Checkpoint interval; exactly-once outputs become readable at "
            + "each checkpoint."),
        LearnerOption.of(STATE_BACKEND, "hashmap", "Where keyed state lives: hashmap (JVM heap) or rocksdb "
            + "(embedded RocksDB, incremental checkpoints)."),
        LearnerOption.of(DRIFT_DELTA, "0.002", "Confidence of the ADWIN drift detector on each learner's "
            + "prequential error (Bifet and Gavaldà 2007; smaller: fewer, later alarms); drifts go to the alerts "
            + "topic. 0 turns drift detection off."),
        LearnerOption.of(LEARNERS, String.join(",", Learners.DEFAULT_RUN), "Learners to run, comma-separated: "
            + Learners.descriptions().entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", ")) + "."));
  }

  /** Every option: the job's, then each learner family's. */
  public static List<LearnerOption> all() {
    List<LearnerOption> all = new ArrayList<>(jobOptions());
    all.addAll(Learners.options());
    return all;
  }

  /** Every option at its default. */
  public static OptionValues defaultValues() {
    Map<String, String> values = new LinkedHashMap<>();
    all().forEach(o -> values.put(o.name(), o.isFlag() ? "false" : o.defaultValue()));
    return new OptionValues(values);
  }

  /** The configuration of every option at its default, with the default topic prefix. */
  public static LearnerJobConfig defaults() {
    return config(defaultValues(), dev.streamcl.kafka.Topics.DEFAULT_PREFIX);
  }

  /**
   * The typed configuration of {@code values}, each checked once; {@code topicPrefix} names the topics
   * options may refer to (KVB's key-init topic).
   */
  public static LearnerJobConfig config(OptionValues values, String topicPrefix) {
    ComputeDevice device = ComputeDevice.parse(values.string(DEVICE), values.flag(CPU_FALLBACK));
    int labelLimit = values.positiveInt(LABEL_LIMIT);
    return new LearnerJobConfig(
        EncoderSpec.parse(values.string(ENCODER), device),
        device,
        values.positiveInt(BATCH_SIZE),
        values.positiveLong(BATCH_DELAY_MS),
        new PublishPolicy(values.positiveInt(PUBLISH_EVERY), !values.flag(NO_TASK_BOUNDARIES)),
        labelLimit,
        values.positiveInt(MAX_PAYLOAD_BYTES),
        values.positiveInt(PARALLELISM),
        values.positiveInt(STREAM_PARALLELISM),
        values.positiveLong(CHECKPOINT_INTERVAL_MS),
        StateBackend.fromOption(values.choice(STATE_BACKEND, "hashmap", "rocksdb")),
        driftDelta(values.string(DRIFT_DELTA)),
        values.choices(LEARNERS, Learners.names()),
        Learners.settings(values, new LearnerFamily.JobContext(labelLimit, topicPrefix)));
  }

  private static double driftDelta(String value) {
    try {
      double delta = Double.parseDouble(value);
      if (delta >= 0 && delta < 1) {
        return delta;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new OptionValues.InvalidOptionException(DRIFT_DELTA + " must be a number in [0, 1), e.g. 0.002 (0 turns "
        + "drift detection off); got '" + value + "'");
  }

  /** The values a picocli command parsed (defaults for options not given). */
  public static OptionValues values(CommandSpec spec) {
    return values(spec, Map.of());
  }

  /** The values a picocli command parsed; {@code defaults} replace the usual defaults of options not given. */
  public static OptionValues values(CommandSpec spec, Map<String, String> defaults) {
    Map<String, String> values = new LinkedHashMap<>();
    for (LearnerOption option : all()) {
      Object value = spec.findOption(option.name()).getValue();
      boolean given = spec.commandLine() != null && spec.commandLine().getParseResult() != null
          && spec.commandLine().getParseResult().hasMatchedOption(option.name());
      values.put(option.name(), !given && defaults.containsKey(option.name())
          ? defaults.get(option.name()) : String.valueOf(value));
    }
    return new OptionValues(values);
  }

  /** Adds every learner job option to a picocli command: {@code @Command(modelTransformer = Transformer.class)}. */
  public static final class Transformer implements CommandLine.IModelTransformer {
    @Override
    public CommandSpec transform(CommandSpec spec) {
      for (LearnerOption option : all()) {
        OptionSpec.Builder builder = OptionSpec.builder(option.name()).description(option.help());
        if (option.isFlag()) {
          builder.arity("0").type(boolean.class).initialValue(false);
        } else {
          builder.type(String.class).paramLabel("<value>").defaultValue(option.defaultValue())
              .description(option.help() + " (default: ${DEFAULT-VALUE})");
        }
        spec.addOption(builder.build());
      }
      return spec;
    }
  }
}
