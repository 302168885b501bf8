package dev.streamcl.flink;

/**
 * One shard's part of a version of a stream learned by several subtasks: the shard's learner state and its
 * {@link PublishProgress} (what it took in, the source offsets it reflects) as they stood at the version's cut, each
 * as versioned Avro bytes ({@code StateCodec}), for {@link ShardMerge} to combine. A shard whose learner failed on
 * the stream sends its reason instead.
 */
public class ShardState {
  public String streamId;
  public int shard;
  /** The version this part belongs to. */
  public long version;
  public String trigger;
  public byte[] progress;
  /** Null while the shard has no state yet (its learner still waits for warm-up samples). */
  public byte[] state;
  public String quarantined;

  public ShardState() {}

  ShardState(String streamId, int shard, long version, String trigger) {
    this.streamId = streamId;
    this.shard = shard;
    this.version = version;
    this.trigger = trigger;
  }
}
