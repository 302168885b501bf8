package dev.streamcl.flink;

/**
 * Encoded samples of ONE stream, in stream order: the unit the learners consume.
 * Features are row-major, {@code size() * dim} floats.
 */
public class FeatureBatch {
  public String streamId;
  public int dim;
  public float[] features;
  public long[] sequences;
  public long[] eventTimes;
  public int[] labels;
  public int[] taskIds;
  public String topic;
  public int[] partitions;
  public long[] offsets;

  public FeatureBatch() {}

  public int size() {
    return sequences.length;
  }
}
