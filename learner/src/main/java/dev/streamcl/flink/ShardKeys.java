package dev.streamcl.flink;

import dev.streamcl.learner.FeatureBatch;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Keys of the learner subtasks one stream is spread over ({@code --stream-parallelism N}): shard i of a stream is
 * keyed {@code <stream>@shard<i>.<salt>}, the salt chosen so that the N keys fall into key groups spaced
 * maxParallelism / N apart. Plain keys would hash some shards onto one subtask; spaced key groups land on N
 * different subtasks whenever the operator has at least N. A key depends only on the stream, the shard, N and the
 * max parallelism (which a restore never changes), so a restore at another parallelism finds every shard's state.
 */
public final class ShardKeys implements KeySelector<FeatureBatch, String>, Serializable {
  private static final long serialVersionUID = 1L;
  private static final String MARK = "@shard";

  private final int shards;
  private final int maxParallelism;
  private transient Map<String, String[]> keys;

  public ShardKeys(int shards, int maxParallelism) {
    this.shards = shards;
    this.maxParallelism = maxParallelism;
  }

  @Override
  public String getKey(FeatureBatch batch) {
    return key(batch.streamId, batch.shard);
  }

  /** The key of shard {@code shard} of {@code streamId}. */
  public String key(String streamId, int shard) {
    if (keys == null) {
      keys = new HashMap<>();
    }
    return keys.computeIfAbsent(streamId, this::keysOf)[shard];
  }

  /** The stream a shard key belongs to; a plain stream id is its own stream. */
  public static String streamOf(String key) {
    int mark = key.lastIndexOf(MARK);
    return mark < 0 ? key : key.substring(0, mark);
  }

  private String[] keysOf(String streamId) {
    int base = KeyGroupRangeAssignment.assignToKeyGroup(streamId, maxParallelism);
    String[] found = new String[shards];
    for (int shard = 0; shard < shards; shard++) {
      int wanted = (int) ((base + (long) shard * maxParallelism / shards) % maxParallelism);
      for (int salt = 0; found[shard] == null; salt++) {
        String key = streamId + MARK + shard + "." + salt;
        if (KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism) == wanted) {
          found[shard] = key;
        }
      }
    }
    return found;
  }
}
