package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.learner.FamilySettings;
import dev.streamcl.learner.LearnerFamily;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.OptionValues;
import dev.streamcl.onnx.ComputeDevice;
import java.io.Serializable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the learner job does, independent of where its input comes from and its output goes: the
 * encoder and device, micro-batching, the publish policy, input limits, parallelism (of the job, and of each
 * stream's learning) and checkpoints,
 * the state backend, the learners to run and every learner family's settings. Built from options by
 * {@link LearnerJobOptions} (the CLI and the job jar alike) or with {@link #builder}.
 */
public record LearnerJobConfig(
    EncoderSpec encoder,
    ComputeDevice device,
    int microBatchSize,
    long microBatchMaxDelayMs,
    PublishPolicy publishPolicy,
    int labelLimit,
    int maxPayloadBytes,
    int parallelism,
    int streamParallelism,
    long checkpointIntervalMs,
    StateBackend stateBackend,
    double driftDelta,
    List<String> learners,
    FamilySettings families) implements Serializable {

  public LearnerJobConfig {
    learners = List.copyOf(learners);
    require(microBatchSize > 0, "micro-batch size must be positive");
    require(microBatchMaxDelayMs > 0, "micro-batch delay must be positive");
    require(labelLimit > 0, "label limit must be positive");
    require(maxPayloadBytes > 0, "payload limit must be positive");
    require(parallelism > 0, "parallelism must be positive");
    require(streamParallelism > 0, "stream parallelism must be positive");
    require(checkpointIntervalMs > 0, "checkpoint interval must be positive");
    require(driftDelta >= 0 && driftDelta < 1, "drift delta must lie in [0, 1) (0: no drift detection)");
    require(!learners.isEmpty(), "run at least one learner: " + String.join(", ", Learners.names()));
    learners.forEach(Learners::familyOf);
  }

  /** The defaults of every option, for this encoder. */
  public static Builder builder(EncoderSpec encoder) {
    return LearnerJobOptions.defaults().toBuilder().encoder(encoder).device(encoder.device());
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public boolean runs(String learner) {
    return learners.contains(learner);
  }

  /** Dedicated warm-up topics (e.g. KVB's key-init topic) of the learners this job runs, each with its sample count. */
  public Map<String, Integer> warmupTopics() {
    Map<String, Integer> topics = new TreeMap<>();
    for (String learner : learners) {
      LearnerFamily<?> family = Learners.familyOf(learner);
      String topic = families.warmupTopic(family);
      if (topic != null) {
        topics.merge(topic, families.warmupSamples(family), Math::max);
      }
    }
    return topics;
  }

  /** The settings of one learner family. */
  public <T extends Serializable> T settings(LearnerFamily<T> family) {
    return families.of(family);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new OptionValues.InvalidOptionException("Invalid learner job configuration: " + message);
    }
  }

  /** Changes some settings of a configuration. */
  public static final class Builder {
    private EncoderSpec encoder;
    private ComputeDevice device;
    private int microBatchSize;
    private long microBatchMaxDelayMs;
    private PublishPolicy publishPolicy;
    private int labelLimit;
    private int maxPayloadBytes;
    private int parallelism;
    private int streamParallelism;
    private long checkpointIntervalMs;
    private StateBackend stateBackend;
    private double driftDelta;
    private List<String> learners;
    private FamilySettings families;

    private Builder(LearnerJobConfig c) {
      encoder = c.encoder;
      device = c.device;
      microBatchSize = c.microBatchSize;
      microBatchMaxDelayMs = c.microBatchMaxDelayMs;
      publishPolicy = c.publishPolicy;
      labelLimit = c.labelLimit;
      maxPayloadBytes = c.maxPayloadBytes;
      parallelism = c.parallelism;
      streamParallelism = c.streamParallelism;
      checkpointIntervalMs = c.checkpointIntervalMs;
      stateBackend = c.stateBackend;
      driftDelta = c.driftDelta;
      learners = c.learners;
      families = c.families;
    }

    public Builder encoder(EncoderSpec value) {
      encoder = value;
      return this;
    }

    public Builder device(ComputeDevice value) {
      device = value;
      return this;
    }

    public Builder microBatch(int size, long maxDelayMs) {
      microBatchSize = size;
      microBatchMaxDelayMs = maxDelayMs;
      return this;
    }

    public Builder publishEvery(int labelled) {
      publishPolicy = new PublishPolicy(labelled, publishPolicy.atTaskEnd());
      return this;
    }

    public Builder publishAtTaskEnd(boolean value) {
      publishPolicy = new PublishPolicy(publishPolicy.everyLabelled(), value);
      return this;
    }

    public Builder labelLimit(int value) {
      labelLimit = value;
      return this;
    }

    public Builder maxPayloadBytes(int value) {
      maxPayloadBytes = value;
      return this;
    }

    public Builder parallelism(int value) {
      parallelism = value;
      return this;
    }

    /** Learner subtasks each stream is spread over. */
    public Builder streamParallelism(int value) {
      streamParallelism = value;
      return this;
    }

    public Builder checkpointIntervalMs(long value) {
      checkpointIntervalMs = value;
      return this;
    }

    public Builder stateBackend(StateBackend value) {
      stateBackend = value;
      return this;
    }

    /** ADWIN's confidence for drift detection on the prequential error; 0 turns it off. */
    public Builder driftDelta(double value) {
      driftDelta = value;
      return this;
    }

    public Builder learners(String... names) {
      return learners(List.of(names));
    }

    public Builder learners(List<String> names) {
      learners = names;
      return this;
    }

    public <T extends Serializable> Builder settings(LearnerFamily<T> family, T value) {
      families = families.with(family, value);
      return this;
    }

    public Builder families(FamilySettings value) {
      families = value;
      return this;
    }

    public LearnerJobConfig build() {
      return new LearnerJobConfig(encoder, device, microBatchSize, microBatchMaxDelayMs, publishPolicy, labelLimit,
          maxPayloadBytes, parallelism, streamParallelism, checkpointIntervalMs, stateBackend, driftDelta, learners,
          families);
    }
  }
}
