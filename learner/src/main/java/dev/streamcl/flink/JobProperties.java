package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.kvb.KvbConfig;
import dev.streamcl.onnx.ComputeDevice;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * The learner job's configuration as {@code job.*} properties of every model update, so that the
 * samples topic plus the published versions are enough to replay a run. Only what changes models is
 * needed; micro-batching, parallelism and checkpoints do not (learners are exact per key and order).
 * The device is not recorded: a replay picks its own.
 */
public final class JobProperties {
  public static final String PREFIX = "job.";

  private JobProperties() {}

  public static Map<String, String> of(LearnerJobConfig config) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("encoder", config.encoder().toString());
    p.put("learners", String.join(",", config.learners()));
    p.put("publishEvery", Integer.toString(config.publishEveryLabelled()));
    p.put("labelLimit", Integer.toString(config.labelLimit()));
    p.put("maxPayloadBytes", Integer.toString(config.maxPayloadBytes()));
    p.put("microBatchSize", Integer.toString(config.microBatchSize()));
    p.put("publishAtTaskEnd", Boolean.toString(config.publishAtTaskEnd()));
    KvbConfig kvb = config.kvb().config();
    p.put("kvb.config", kvb.codebooks() + "," + kvb.keysPerCodebook() + "," + kvb.keyDim() + "," + kvb.topK() + ","
        + kvb.classes() + "," + kvb.learningRate() + "," + kvb.labelSmoothing() + "," + kvb.seed() + ","
        + kvb.emaDecay() + "," + kvb.deadKeyFactor() + "," + kvb.keyInitSamples());
    p.put("kvb.trainBatch", Integer.toString(config.kvb().trainBatch()));
    p.put("kvb.snapshotEvery", Integer.toString(config.kvb().snapshotEvery()));
    if (config.kvb().keyInitTopic() != null) {
      p.put("kvb.keyInitTopic", config.kvb().keyInitTopic());
    }
    ReplaySettings.Tuning replay = config.replay();
    p.put("replay", replay.capacity() + "," + replay.minibatch() + "," + replay.replayCount() + ","
        + replay.learningRate() + "," + replay.stepsPerMinibatch() + "," + replay.seed());
    Map<String, String> prefixed = new TreeMap<>();
    p.forEach((key, value) -> prefixed.put(PREFIX + key, value));
    return prefixed;
  }

  /** The configuration recorded in {@code properties}, run on {@code device} with the given job-level knobs. */
  public static LearnerJobConfig parse(Map<String, String> properties, ComputeDevice device, int parallelism,
      long checkpointIntervalMs) {
    Reader p = new Reader(properties);
    String[] kvb = p.list("kvb.config", 11);
    KvbConfig kvbConfig = new KvbConfig(Integer.parseInt(kvb[0]), Integer.parseInt(kvb[1]), Integer.parseInt(kvb[2]),
        Integer.parseInt(kvb[3]), Integer.parseInt(kvb[4]), Double.parseDouble(kvb[5]), Double.parseDouble(kvb[6]),
        Long.parseLong(kvb[7]), Double.parseDouble(kvb[8]), Double.parseDouble(kvb[9]), Integer.parseInt(kvb[10]));
    String[] replay = p.list("replay", 6);
    return new LearnerJobConfig(EncoderSpec.parse(p.get("encoder"), device), p.integer("microBatchSize"),
        LearnerJobConfig.DEFAULT_MAX_DELAY_MS, p.integer("publishEvery"), p.integer("labelLimit"),
        p.integer("maxPayloadBytes"), parallelism, checkpointIntervalMs, device,
        List.of(p.get("learners").split(",")),
        new KvbSettings(kvbConfig, p.integer("kvb.trainBatch"), p.integer("kvb.snapshotEvery"),
            properties.get(PREFIX + "kvb.keyInitTopic")),
        new ReplaySettings.Tuning(Integer.parseInt(replay[0]), Integer.parseInt(replay[1]),
            Integer.parseInt(replay[2]), Float.parseFloat(replay[3]), Integer.parseInt(replay[4]),
            Long.parseLong(replay[5])),
        Boolean.parseBoolean(p.get("publishAtTaskEnd")));
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

  private record Reader(Map<String, String> properties) {
    String get(String key) {
      String value = properties.get(PREFIX + key);
      if (value == null) {
        throw new IllegalArgumentException("The model updates do not record the job's " + PREFIX + key
            + ": they were published by an older StreamCL; replay with `streamcl learn` and the original options");
      }
      return value;
    }

    int integer(String key) {
      return Integer.parseInt(get(key));
    }

    String[] list(String key, int count) {
      String[] values = get(key).split(",");
      if (values.length != count) {
        throw new IllegalArgumentException(PREFIX + key + " should hold " + count + " numbers, got '" + get(key) + "'");
      }
      return values;
    }
  }
}
