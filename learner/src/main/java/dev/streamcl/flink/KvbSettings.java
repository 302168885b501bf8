package dev.streamcl.flink;

import dev.streamcl.learner.kvb.KvbConfig;
import java.io.Serializable;

/**
 * How the job runs the key-value bottleneck: its size, the SGD minibatch (fixed, so results do not
 * depend on how Flink cut micro-batches), a full snapshot every {@code snapshotEvery} deltas, and
 * where keys come from: the stream's first samples ({@code keyInitTopic == null}) or a topic of
 * unlabelled samples.
 */
public record KvbSettings(KvbConfig config, int trainBatch, int snapshotEvery, String keyInitTopic)
    implements Serializable {
  public static final int DEFAULT_TRAIN_BATCH = 256;
  public static final int DEFAULT_SNAPSHOT_EVERY = 10;

  public KvbSettings {
    if (trainBatch <= 0 || snapshotEvery <= 0) {
      throw new IllegalArgumentException("KVB minibatch and snapshot interval must be positive");
    }
  }

  public static KvbSettings defaults(int classes) {
    return new KvbSettings(KvbConfig.defaults().withClasses(classes), DEFAULT_TRAIN_BATCH, DEFAULT_SNAPSHOT_EVERY, null);
  }

  /** {@code default} (sized for 2 cores), {@code larger}, or {@code paper} (256 × 4096). */
  public static KvbConfig preset(String name) {
    return switch (name) {
      case "default" -> KvbConfig.defaults();
      case "larger" -> KvbConfig.larger();
      case "paper" -> KvbConfig.paper();
      default -> throw new IllegalArgumentException("Unknown KVB preset '" + name + "'; use default, larger or paper");
    };
  }

  public KvbSettings withKeyInitTopic(String topic) {
    return new KvbSettings(config, trainBatch, snapshotEvery, topic);
  }
}
