package dev.streamcl.flink;

import dev.streamcl.learner.FeatureBatch;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Plain-Java model of what {@link NearestClassMeanFunction} must do for ONE stream, written from the
 * spec rather than from the implementation: samples one at a time in double precision; each sample is
 * predicted by the nearest mean of the L2-normalised features of all EARLIER labelled samples, then
 * learned if labelled; a snapshot after every {@code publishEvery} labelled samples, one before the first
 * sample of a higher task id (if something was learned since the last), and a final one at
 * end of input if something was learned since the last.
 */
final class NmcReference {
  static final int TOP_K = 3;

  /** The expected answer for one sample: every known class's score, and the top-k best first. */
  record Answer(String streamId, long sequence, long modelVersion, Map<Integer, Double> scoreOf,
      List<Integer> topLabels, List<Double> topScores, Integer trueLabel, Integer taskId, long eventTime) {}

  /** The expected content of one published snapshot. */
  record Snapshot(String streamId, long version, int[] labels, double[][] sums, long[] counts, long samplesSeen,
      long labelledSeen, String topic, Map<Integer, Long> offsets, long createdAt) {}

  private final String streamId;
  private final int dim;
  private final int publishEvery;
  private final List<Integer> labels = new ArrayList<>();
  private final List<double[]> sums = new ArrayList<>();
  private final List<Long> counts = new ArrayList<>();
  private final Map<Integer, Long> offsets = new TreeMap<>();
  private long samplesSeen;
  private long labelledSeen;
  private long labelledSincePublish;
  private long version;
  private long newestEventTime;
  private String topic;
  private int highestTask = -1;

  final List<Answer> answers = new ArrayList<>();
  final List<Snapshot> snapshots = new ArrayList<>();

  NmcReference(String streamId, int dim, int publishEvery) {
    this.streamId = streamId;
    this.dim = dim;
    this.publishEvery = publishEvery;
  }

  /** Runs every sample of the batches in order. */
  NmcReference feed(List<FeatureBatch> batches) {
    for (FeatureBatch batch : batches) {
      for (int i = 0; i < batch.size(); i++) {
        step(batch, i);
      }
    }
    return this;
  }

  NmcReference endOfInput() {
    if (labelledSincePublish > 0) {
      publish();
    }
    return this;
  }

  private void step(FeatureBatch batch, int i) {
    if (highestTask >= 0 && batch.taskIds[i] > highestTask && labelledSincePublish > 0) {
      publish(); // the model trained through the previous task
    }
    highestTask = Math.max(highestTask, batch.taskIds[i]);
    double[] x = normalise(batch.features, i * dim);
    answers.add(answer(batch, i, x));
    int label = batch.labels[i];
    if (label >= 0) {
      learn(x, label);
      labelledSeen++;
      labelledSincePublish++;
    }
    samplesSeen++;
    newestEventTime = Math.max(newestEventTime, batch.eventTimes[i]);
    offsets.merge(batch.partitions[i], batch.offsets[i], Math::max);
    topic = batch.topic;
    if (labelledSincePublish == publishEvery) {
      publish();
    }
  }

  private Answer answer(FeatureBatch batch, int i, double[] x) {
    Map<Integer, Double> scoreOf = new HashMap<>();
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < labels.size(); c++) {
      scoreOf.put(labels.get(c), -squaredDistance(x, c));
      order.add(c);
    }
    // Best (highest) score first; ties go to the class seen first.
    order.sort(Comparator.<Integer>comparingDouble(c -> -scoreOf.get(labels.get(c))).thenComparingInt(c -> c));
    List<Integer> topLabels = new ArrayList<>();
    List<Double> topScores = new ArrayList<>();
    for (int c : order.subList(0, Math.min(TOP_K, order.size()))) {
      topLabels.add(labels.get(c));
      topScores.add(scoreOf.get(labels.get(c)));
    }
    int label = batch.labels[i];
    int task = batch.taskIds[i];
    return new Answer(streamId, batch.sequences[i], version, scoreOf, topLabels, topScores,
        label >= 0 ? label : null, task >= 0 ? task : null, batch.eventTimes[i]);
  }

  private void learn(double[] x, int label) {
    int c = labels.indexOf(label);
    if (c < 0) { // classes kept sorted by label
      c = (int) labels.stream().filter(known -> known < label).count();
      labels.add(c, label);
      sums.add(c, new double[dim]);
      counts.add(c, 0L);
    }
    for (int k = 0; k < dim; k++) {
      sums.get(c)[k] += x[k];
    }
    counts.set(c, counts.get(c) + 1);
  }

  private void publish() {
    version++;
    double[][] sumsCopy = new double[sums.size()][];
    for (int c = 0; c < sums.size(); c++) {
      sumsCopy[c] = sums.get(c).clone();
    }
    snapshots.add(new Snapshot(streamId, version, labels.stream().mapToInt(Integer::intValue).toArray(), sumsCopy,
        counts.stream().mapToLong(Long::longValue).toArray(), samplesSeen, labelledSeen, topic,
        new TreeMap<>(offsets), newestEventTime));
    labelledSincePublish = 0;
  }

  private double squaredDistance(double[] x, int c) {
    double distance = 0;
    for (int k = 0; k < dim; k++) {
      double diff = x[k] - sums.get(c)[k] / counts.get(c);
      distance += diff * diff;
    }
    return distance;
  }

  private double[] normalise(float[] features, int offset) {
    double norm = 0;
    for (int k = 0; k < dim; k++) {
      norm += (double) features[offset + k] * features[offset + k];
    }
    norm = Math.max(Math.sqrt(norm), 1e-12);
    double[] x = new double[dim];
    for (int k = 0; k < dim; k++) {
      x[k] = features[offset + k] / norm;
    }
    return x;
  }
}
