package dev.streamcl.learner;

import java.util.List;

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

  /** Batches of one stream joined in order, as a new batch (one copy). */
  public static FeatureBatch concat(List<FeatureBatch> parts) {
    FeatureBatch first = parts.get(0);
    FeatureBatch joined = allocate(first.streamId, first.dim, parts.stream().mapToInt(FeatureBatch::size).sum());
    int row = 0;
    for (FeatureBatch part : parts) {
      joined.copyRows(part, 0, row, part.size());
      row += part.size();
      joined.topic = part.topic;
    }
    return joined;
  }

  /** Rows {@code [from, to)} as a new batch. */
  public FeatureBatch slice(int from, int to) {
    FeatureBatch part = allocate(streamId, dim, to - from);
    part.copyRows(this, from, 0, to - from);
    part.topic = topic;
    return part;
  }

  public static FeatureBatch allocate(String streamId, int dim, int n) {
    FeatureBatch batch = new FeatureBatch();
    batch.streamId = streamId;
    batch.dim = dim;
    batch.features = new float[n * dim];
    batch.sequences = new long[n];
    batch.eventTimes = new long[n];
    batch.labels = new int[n];
    batch.taskIds = new int[n];
    batch.partitions = new int[n];
    batch.offsets = new long[n];
    return batch;
  }

  private void copyRows(FeatureBatch source, int from, int to, int n) {
    System.arraycopy(source.features, from * dim, features, to * dim, n * dim);
    System.arraycopy(source.sequences, from, sequences, to, n);
    System.arraycopy(source.eventTimes, from, eventTimes, to, n);
    System.arraycopy(source.labels, from, labels, to, n);
    System.arraycopy(source.taskIds, from, taskIds, to, n);
    System.arraycopy(source.partitions, from, partitions, to, n);
    System.arraycopy(source.offsets, from, offsets, to, n);
  }
}
