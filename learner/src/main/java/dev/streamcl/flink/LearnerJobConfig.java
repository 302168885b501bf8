package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;

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
    ComputeDevice device) implements Serializable {

  public static final int DEFAULT_MICRO_BATCH = 64;
  public static final long DEFAULT_MAX_DELAY_MS = 100;
  public static final int DEFAULT_PUBLISH_EVERY = 1000;
  public static final int DEFAULT_LABEL_LIMIT = 1000;
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

  public LearnerJobConfig {
    require(microBatchSize > 0, "micro-batch size must be positive");
    require(microBatchMaxDelayMs > 0, "micro-batch delay must be positive");
    require(publishEveryLabelled > 0, "publish interval (labelled samples) must be positive");
    require(labelLimit > 0, "label limit must be positive");
    require(parallelism > 0, "parallelism must be positive");
  }

  public static LearnerJobConfig defaults(EncoderSpec encoder) {
    return new LearnerJobConfig(encoder, DEFAULT_MICRO_BATCH, DEFAULT_MAX_DELAY_MS, DEFAULT_PUBLISH_EVERY,
        DEFAULT_LABEL_LIMIT, DEFAULT_MAX_PAYLOAD_BYTES, 2, 2000, ComputeDevice.cpu());
  }

  public LearnerJobConfig withPublishEvery(int labelled) {
    return new LearnerJobConfig(encoder, microBatchSize, microBatchMaxDelayMs, labelled, labelLimit,
        maxPayloadBytes, parallelism, checkpointIntervalMs, device);
  }

  public LearnerJobConfig withParallelism(int value) {
    return new LearnerJobConfig(encoder, microBatchSize, microBatchMaxDelayMs, publishEveryLabelled, labelLimit,
        maxPayloadBytes, value, checkpointIntervalMs, device);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("Invalid learner job configuration: " + message);
    }
  }
}
