package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.RecordedValues;
import dev.streamcl.onnx.ComputeDevice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * The learner job's configuration as {@code job.*} properties of every model update, so that the
 * samples topic plus the published versions are enough to replay a run. Only what changes models is
 * needed; parallelism, checkpoints and the state backend do not (learners are exact per key and
 * order), but how many subtasks learn each stream does (merges of SGD learners are approximate). The device is not
 * recorded: a replay picks its own.
 */
public final class JobProperties {
  public static final String PREFIX = "job.";

  private JobProperties() {}

  public static Map<String, String> of(LearnerJobConfig config) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("encoder", config.encoder().toString());
    p.put("learners", String.join(",", config.learners()));
    p.put("publishEvery", Integer.toString(config.publishPolicy().everyLabelled()));
    p.put("labelLimit", Integer.toString(config.labelLimit()));
    p.put("maxPayloadBytes", Integer.toString(config.maxPayloadBytes()));
    p.put("microBatchSize", Integer.toString(config.microBatchSize()));
    p.put("publishAtTaskEnd", Boolean.toString(config.publishPolicy().atTaskEnd()));
    if (config.streamParallelism() > 1) { // absent: 1, as in runs before it existed
      p.put("streamParallelism", Integer.toString(config.streamParallelism()));
    }
    p.putAll(config.families().record(config.learners()));
    Map<String, String> prefixed = new TreeMap<>();
    p.forEach((key, value) -> prefixed.put(PREFIX + key, value));
    return prefixed;
  }

  /** The configuration recorded in {@code properties}, run on {@code device} with the given job-level knobs. */
  public static LearnerJobConfig parse(Map<String, String> properties, ComputeDevice device, int parallelism,
      long checkpointIntervalMs) {
    Map<String, String> recorded = new TreeMap<>();
    properties.forEach((key, value) -> {
      if (key.startsWith(PREFIX)) {
        recorded.put(key.substring(PREFIX.length()), value);
      }
    });
    LearnerJobConfig defaults = LearnerJobOptions.defaults();
    List<String> learners = List.of(RecordedValues.get(recorded, "learners").split(","));
    return defaults.toBuilder()
        .encoder(EncoderSpec.parse(RecordedValues.get(recorded, "encoder"), device))
        .device(device)
        .microBatch(integer(recorded, "microBatchSize"), defaults.microBatchMaxDelayMs())
        .publishEvery(integer(recorded, "publishEvery"))
        .publishAtTaskEnd(Boolean.parseBoolean(RecordedValues.get(recorded, "publishAtTaskEnd")))
        .labelLimit(integer(recorded, "labelLimit"))
        .maxPayloadBytes(integer(recorded, "maxPayloadBytes"))
        .parallelism(parallelism)
        .streamParallelism(Integer.parseInt(recorded.getOrDefault("streamParallelism", "1")))
        .checkpointIntervalMs(checkpointIntervalMs)
        .learners(learners)
        .families(Learners.fromRecord(recorded, learners, defaults.families()))
        .build();
  }

  /** Only the {@code job.*} entries of a model update's properties. */
  public static Map<String, String> recordedIn(ModelUpdate update) {
    Map<String, String> job = new TreeMap<>();
    update.getProperties().forEach((key, value) -> {
      if (key.startsWith(PREFIX)) {
        job.put(key, value);
      }
    });
    return job;
  }

  /** Adds the job's properties to every model update (every chunk, so any one of them tells the run). */
  static MapFunction<ModelUpdate, ModelUpdate> stamp(LearnerJobConfig config) {
    Map<String, String> job = new TreeMap<>(of(config));
    return update -> {
      Map<String, String> all = new TreeMap<>(update.getProperties());
      all.putAll(job);
      update.setProperties(all);
      return update;
    };
  }

  private static int integer(Map<String, String> recorded, String key) {
    return Integer.parseInt(RecordedValues.get(recorded, key));
  }
}
