package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import java.io.Serializable;
import java.util.List;

/** What the learner job does, independent of where its input comes from and its output goes. */
public record LearnerJobConfig(
    EncoderSpec encoder,
    int microBatchSize,
    long microBatchMaxDelayMs,
    int publishEveryLabelled,
    int labelLimit,
    int maxPayloadBytes,
    int parallelism,
    long checkpointIntervalMs,
    ComputeDevice device,
    List<String> learners,
    KvbSettings kvb,
    ReplaySettings.Tuning replay,
    boolean publishAtTaskEnd) implements Serializable {

  public static final int DEFAULT_MICRO_BATCH = 64;
  public static final long DEFAULT_MAX_DELAY_MS = 100;
  public static final int DEFAULT_PUBLISH_EVERY = 1000;
  /** Labels lie in [0, 10): Fashion-MNIST's classes; KVB sizes its value rows by it. */
  public static final int DEFAULT_LABEL_LIMIT = 10;
  /** Learners the job runs unless told otherwise; finetune (no replay) is the lower bound they are judged against. */
  public static final List<String> ALL_LEARNERS = List.of(NearestClassMeanModel.LEARNER, KeyValueBottleneckModel.LEARNER,
      "er", "fetril", "finetune");
  /** Largest class count the key-value bottleneck accepts (its values hold one float per class). */
  static final int KVB_MAX_CLASSES = 1000;
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

  /** Publishing at task ends, as most streams with task ids want. */
  public LearnerJobConfig(EncoderSpec encoder, int microBatchSize, long microBatchMaxDelayMs, int publishEveryLabelled,
      int labelLimit, int maxPayloadBytes, int parallelism, long checkpointIntervalMs, ComputeDevice device,
      List<String> learners, KvbSettings kvb, ReplaySettings.Tuning replay) {
    this(encoder, microBatchSize, microBatchMaxDelayMs, publishEveryLabelled, labelLimit, maxPayloadBytes, parallelism,
        checkpointIntervalMs, device, learners, kvb, replay, true);
  }

  public LearnerJobConfig {
    require(microBatchSize > 0, "micro-batch size must be positive");
    require(microBatchMaxDelayMs > 0, "micro-batch delay must be positive");
    require(publishEveryLabelled > 0, "publish interval (labelled samples) must be positive");
    require(labelLimit > 0, "label limit must be positive");
    require(parallelism > 0, "parallelism must be positive");
    learners = List.copyOf(learners);
    require(!learners.isEmpty() && learners.stream().allMatch(LearnerJobConfig::isKnown),
        "learners must be some of nmc, kvb, er, er-balanced, fetril, finetune; got " + learners);
    require(!learners.contains(KeyValueBottleneckModel.LEARNER) || labelLimit <= KVB_MAX_CLASSES,
        "KVB keeps one value per class: set the label limit to the number of classes (at most " + KVB_MAX_CLASSES + ")");
  }

  private static boolean isKnown(String learner) {
    return learner.equals(NearestClassMeanModel.LEARNER) || learner.equals(KeyValueBottleneckModel.LEARNER)
        || ReplaySettings.isReplayLearner(learner);
  }

  public boolean runs(String learner) {
    return learners.contains(learner);
  }

  public static LearnerJobConfig defaults(EncoderSpec encoder) {
    return new LearnerJobConfig(encoder, DEFAULT_MICRO_BATCH, DEFAULT_MAX_DELAY_MS, DEFAULT_PUBLISH_EVERY,
        DEFAULT_LABEL_LIMIT, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_PARALLELISM, DEFAULT_CHECKPOINT_INTERVAL_MS,
        encoder.device(), ALL_LEARNERS, KvbSettings.defaults(DEFAULT_LABEL_LIMIT),
        ReplaySettings.Tuning.defaults());
  }

  public static final int DEFAULT_PARALLELISM = 2;
  public static final long DEFAULT_CHECKPOINT_INTERVAL_MS = 2000;

  public LearnerJobConfig withPublishEvery(int labelled) {
    return new LearnerJobConfig(encoder, microBatchSize, microBatchMaxDelayMs, labelled, labelLimit,
        maxPayloadBytes, parallelism, checkpointIntervalMs, device, learners, kvb, replay, publishAtTaskEnd);
  }

  public LearnerJobConfig withParallelism(int value) {
    return new LearnerJobConfig(encoder, microBatchSize, microBatchMaxDelayMs, publishEveryLabelled, labelLimit,
        maxPayloadBytes, value, checkpointIntervalMs, device, learners, kvb, replay, publishAtTaskEnd);
  }

  public LearnerJobConfig withLearners(List<String> names, KvbSettings settings) {
    return new LearnerJobConfig(encoder, microBatchSize, microBatchMaxDelayMs, publishEveryLabelled, labelLimit,
        maxPayloadBytes, parallelism, checkpointIntervalMs, device, names, settings, replay, publishAtTaskEnd);
  }

  public LearnerJobConfig withPublishAtTaskEnd(boolean value) {
    return new LearnerJobConfig(encoder, microBatchSize, microBatchMaxDelayMs, publishEveryLabelled, labelLimit,
        maxPayloadBytes, parallelism, checkpointIntervalMs, device, learners, kvb, replay, value);
  }

  public PublishPolicy publishPolicy() {
    return new PublishPolicy(publishEveryLabelled, publishAtTaskEnd);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("Invalid learner job configuration: " + message);
    }
  }
}
