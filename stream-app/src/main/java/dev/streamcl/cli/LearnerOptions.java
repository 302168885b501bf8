package dev.streamcl.cli;

import dev.streamcl.flink.LearnerJobConfig;
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

  @Option(names = "--parallelism", defaultValue = "2", description = "Flink parallelism (default: ${DEFAULT-VALUE}).")
  int parallelism;

  @Option(names = "--label-limit", defaultValue = "" + LearnerJobConfig.DEFAULT_LABEL_LIMIT,
      description = "Labels must lie in [0, N); others are dead-lettered (default: ${DEFAULT-VALUE}).")
  int labelLimit;

  @Option(names = "--max-payload-bytes", defaultValue = "" + LearnerJobConfig.DEFAULT_MAX_PAYLOAD_BYTES,
      description = "Larger sample records are dead-lettered (default: ${DEFAULT-VALUE}).")
  int maxPayloadBytes;

  @Option(names = "--checkpoint-interval-ms", defaultValue = "2000",
      description = "Checkpoint interval; exactly-once outputs become readable at each checkpoint (default: ${DEFAULT-VALUE}).")
  long checkpointIntervalMs;

  public LearnerJobConfig config() {
    ComputeDevice compute = encoding.computeDevice();
    return new LearnerJobConfig(encoding.encoderSpec(), batchSize, LearnerJobConfig.DEFAULT_MAX_DELAY_MS,
        publishEvery, labelLimit, maxPayloadBytes, parallelism, checkpointIntervalMs, compute);
  }
}
