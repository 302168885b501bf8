package dev.streamcl.flink;

import dev.streamcl.learner.FeatureBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Hand-built {@link FeatureBatch} inputs: a non-stationary stream whose classes arrive in tasks of two
 * classes each, features = class centre + noise, each sample scaled by a random factor (so only the
 * L2-normalised features carry the class), some samples unlabelled, samples spread over two source
 * partitions and event times not in order.
 */
final class GeneratedFeatures {
  static final String TOPIC = "test.samples";
  static final long BASE_TIME = 1_700_000_000_000L;

  /** One sample before batching. {@code label} is -1 when unlabelled; {@code hiddenClass} drew the features. */
  record Row(long sequence, float[] features, int label, int hiddenClass, int taskId, long eventTime, int partition,
      long offset) {}

  private GeneratedFeatures() {}

  /**
   * {@code count} samples of dimension {@code dim}; task t (of {@code perTask} samples) shows classes
   * {@code 2t} and {@code 2t+1}. Every {@code unlabelledEvery}-th sample (not the first or last) has no label.
   */
  static List<Row> stream(long seed, int dim, int count, int perTask, int unlabelledEvery, float noise) {
    Random random = new Random(seed);
    float[][] centres = new float[2 * ((count + perTask - 1) / perTask)][dim];
    for (float[] centre : centres) {
      for (int k = 0; k < dim; k++) {
        centre[k] = random.nextFloat() * 2 - 1;
      }
    }
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int task = i / perTask;
      int hidden = 2 * task + random.nextInt(2);
      float scale = 0.3f + 4 * random.nextFloat();
      float[] x = new float[dim];
      for (int k = 0; k < dim; k++) {
        x[k] = scale * (centres[hidden][k] + noise * (float) random.nextGaussian());
      }
      boolean unlabelled = i > 0 && i < count - 1 && unlabelledEvery > 0 && i % unlabelledEvery == 0;
      int partition = (i / 10) % 2;
      long eventTime = BASE_TIME + 10L * i - (i % 3 == 0 ? 25 : 0);
      rows.add(new Row(i, x, unlabelled ? -1 : hidden, hidden, task, eventTime, partition, 1000L * partition + i));
    }
    return rows;
  }

  /** Cuts rows into batches whose sizes cycle through {@code sizes}. */
  static List<FeatureBatch> batches(String streamId, int dim, List<Row> rows, int... sizes) {
    List<FeatureBatch> batches = new ArrayList<>();
    int from = 0;
    for (int b = 0; from < rows.size(); b++) {
      int to = Math.min(rows.size(), from + sizes[b % sizes.length]);
      batches.add(batch(streamId, dim, rows.subList(from, to)));
      from = to;
    }
    return batches;
  }

  static FeatureBatch batch(String streamId, int dim, List<Row> rows) {
    int n = rows.size();
    FeatureBatch batch = FeatureBatch.allocate(streamId, dim, n);
    batch.topic = TOPIC;
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      System.arraycopy(row.features(), 0, batch.features, i * dim, dim);
      batch.sequences[i] = row.sequence();
      batch.eventTimes[i] = row.eventTime();
      batch.labels[i] = row.label();
      batch.taskIds[i] = row.taskId();
      batch.partitions[i] = row.partition();
      batch.offsets[i] = row.offset();
    }
    return batch;
  }

  static long labelledCount(List<Row> rows) {
    return rows.stream().filter(r -> r.label() >= 0).count();
  }
}
