package dev.streamcl.flink;

/**
 * Where the learner job keeps keyed state: on the JVM heap (fast, bounded by memory, full snapshots) or
 * in embedded RocksDB (state beyond memory, incremental checkpoints).
 */
public enum StateBackend {
  HASHMAP, ROCKSDB;

  /** The option value, as Flink's {@code state.backend.type} spells it. */
  public String optionValue() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  public static StateBackend fromOption(String value) {
    return valueOf(value.toUpperCase(java.util.Locale.ROOT));
  }
}
