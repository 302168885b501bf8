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
  /** Which of a stream's learner subtasks the batch goes to when one stream is learned by several; -1: the only one. */
  public int shard = -1;
  /**
   * What a stream learned by several subtasks tells each of them besides its samples: {@link #WARM_UP} on the
   * samples every subtask fits its warm-up on (and does not learn), or, on an empty batch, why a version closes here
   * (a {@code PublishProgress.Trigger} name). Null on the samples a learner learns.
   */
  public String control;

  public FeatureBatch() {}

  /** {@link #control} of warm-up samples sent to every subtask of a stream. */
  public static final String WARM_UP = "warm-up";

  /** The empty batch that tells subtask {@code shard} of a stream to close a version, for {@code trigger}. */
  public static FeatureBatch cut(String streamId, int dim, int shard, String trigger) {
    FeatureBatch marker = allocate(streamId, dim, 0);
    marker.shard = shard;
    marker.control = trigger;
    return marker;
  }

  public boolean isCut() {
    return control != null && !WARM_UP.equals(control);
  }

  public boolean isWarmup() {
    return WARM_UP.equals(control);
  }

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
    joined.shard = first.shard;
    return joined;
  }

  /** The given rows, in the given order, as a new batch. */
  public FeatureBatch rows(int[] indices) {
    FeatureBatch part = allocate(streamId, dim, indices.length);
    for (int k = 0; k < indices.length; k++) {
      part.copyRows(this, indices[k], k, 1);
    }
    part.topic = topic;
    part.shard = shard;
    return part;
  }

  /** Rows {@code [from, to)} as a new batch. */
  public FeatureBatch slice(int from, int to) {
    FeatureBatch part = allocate(streamId, dim, to - from);
    part.copyRows(this, from, 0, to - from);
    part.topic = topic;
    part.shard = shard;
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
