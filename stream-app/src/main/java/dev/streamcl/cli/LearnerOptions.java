package dev.streamcl.cli;

import dev.streamcl.flink.KvbSettings;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.ReplaySettings;
import dev.streamcl.kafka.Topics;
import java.util.List;
import dev.streamcl.onnx.ComputeDevice;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How the learner job learns; `learn` and `demo` share these. */
public final class LearnerOptions {
  @Mixin EncoderOptions encoding;

  @Option(names = "--batch-size", defaultValue = "" + LearnerJobConfig.DEFAULT_MICRO_BATCH,
      description = "Samples per encoder/kernel micro-batch (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--publish-every", defaultValue = "" + LearnerJobConfig.DEFAULT_PUBLISH_EVERY,
      description = "Publish a model version every N labelled samples, and at end of input (default: ${DEFAULT-VALUE}).")
  int publishEvery;

  @Option(names = "--parallelism", defaultValue = "" + LearnerJobConfig.DEFAULT_PARALLELISM,
      description = "Flink parallelism (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--label-limit", defaultValue = "" + LearnerJobConfig.DEFAULT_LABEL_LIMIT,
      description = "Number of classes: labels must lie in [0, N), others are dead-lettered (default: ${DEFAULT-VALUE}).")
  int labelLimit;

  @Option(names = "--max-payload-bytes", defaultValue = "" + LearnerJobConfig.DEFAULT_MAX_PAYLOAD_BYTES,
      description = "Larger sample records are dead-lettered (default: ${DEFAULT-VALUE}).")
  int maxPayloadBytes;

  @Option(names = "--checkpoint-interval-ms", defaultValue = "" + LearnerJobConfig.DEFAULT_CHECKPOINT_INTERVAL_MS,
      description = "Checkpoint interval; exactly-once outputs become readable at each checkpoint (default: ${DEFAULT-VALUE}).")
  long checkpointIntervalMs;

  @Option(names = "--learners", split = ",", defaultValue = "nmc,kvb,er,fetril,finetune",
      description = "Learners to run, comma-separated: nmc, kvb, er (reservoir replay), er-balanced, fetril "
          + "(pseudo-feature replay), finetune (no replay, the lower bound) (default: ${DEFAULT-VALUE}).")
  List<String> learners;

  @Option(names = "--kvb-preset", defaultValue = "default",
      description = "KVB size: default (64 codebooks x 512 keys, fast on 2 cores), larger (128 x 2048), "
          + "paper (256 x 4096) (default: ${DEFAULT-VALUE}).")
  String kvbPreset;

  @Option(names = "--kvb-keys", defaultValue = "stream",
      description = "Where KVB keys come from: stream (its first samples, labels ignored) or topic (the "
          + "unlabelled <prefix>.key-init topic that `publish --key-init-samples` fills) (default: ${DEFAULT-VALUE}).")
  String kvbKeys;

  @Option(names = "--kvb-batch", defaultValue = "" + KvbSettings.DEFAULT_TRAIN_BATCH,
      description = "KVB SGD minibatch (default: ${DEFAULT-VALUE}, the paper's).")
  int kvbBatch;

  @Option(names = "--kvb-snapshot-every", defaultValue = "" + KvbSettings.DEFAULT_SNAPSHOT_EVERY,
      description = "KVB publishes a full snapshot after this many deltas (default: ${DEFAULT-VALUE}).")
  int kvbSnapshotEvery;

  @Option(names = "--replay-capacity", defaultValue = "" + ReplaySettings.DEFAULT_CAPACITY,
      description = "Replay buffer size per stream for er/er-balanced (default: ${DEFAULT-VALUE}).")
  int replayCapacity;

  @Option(names = "--replay-batch", defaultValue = "" + ReplaySettings.DEFAULT_MINIBATCH,
      description = "New samples per SGD minibatch of the replay heads (default: ${DEFAULT-VALUE}).")
  int replayBatch;

  @Option(names = "--replay-count", defaultValue = "" + ReplaySettings.DEFAULT_MINIBATCH,
      description = "Replayed (or pseudo) samples mixed into each minibatch (default: ${DEFAULT-VALUE}).")
  int replayCount;

  @Option(names = "--replay-lr", defaultValue = "" + ReplaySettings.DEFAULT_LEARNING_RATE,
      description = "SGD learning rate of the replay heads (default: ${DEFAULT-VALUE}).")
  float replayLearningRate;

  @Option(names = "--replay-steps", defaultValue = "1",
      description = "SGD steps per minibatch of the replay heads (default: ${DEFAULT-VALUE}).")
  int replaySteps;

  @Option(names = "--no-task-boundaries", description = "Do not publish a version (nor close SGD minibatches) when a "
      + "higher task id arrives; for task-free streams whose samples still carry their source task (blurry-fmnist).")
  boolean noTaskBoundaries;

  public LearnerJobConfig config(Topics topics) {
    ComputeDevice compute = encoding.computeDevice();
    if (!kvbKeys.equals("stream") && !kvbKeys.equals("topic")) {
      throw new UserError("--kvb-keys must be stream or topic, not '" + kvbKeys + "'");
    }
    KvbSettings kvb = new KvbSettings(KvbSettings.preset(kvbPreset).withClasses(labelLimit), kvbBatch,
        kvbSnapshotEvery, kvbKeys.equals("topic") ? topics.keyInit().name() : null);
    return new LearnerJobConfig(encoding.encoderSpec(), batchSize, LearnerJobConfig.DEFAULT_MAX_DELAY_MS,
        publishEvery, labelLimit, maxPayloadBytes, parallelism, checkpointIntervalMs, compute, learners, kvb,
        new ReplaySettings.Tuning(replayCapacity, replayBatch, replayCount, replayLearningRate, replaySteps,
            ReplaySettings.DEFAULT_SEED), !noTaskBoundaries);
  }
}
