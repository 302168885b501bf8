package dev.streamcl.dashboard;

import dev.streamcl.events.EvalResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One learner's test accuracy as its {@link EvalResult}s arrive: the whole-test-set accuracy of each evaluated
 * version, and the accuracy matrix so far, whose row i is the newest evaluated version trained through task i (as
 * {@link dev.streamcl.evaluation.EvalResults} reads a finished run) and whose columns are the test tasks.
 */
final class EvalTable {
  /** Row {@code trainedThroughTask} of the matrix: accuracy of {@code version} per test task. */
  record Row(int trainedThroughTask, long version, Map<Integer, Double> accuracy) {}

  private final TreeMap<Long, Double> overall = new TreeMap<>();
  private final TreeMap<Integer, Row> rows = new TreeMap<>();
  private final TreeSet<Integer> testTasks = new TreeSet<>();

  void add(EvalResult result) {
    long version = result.getModelVersion();
    if (result.getTaskId() == null) {
      overall.put(version, result.getAccuracy());
      return;
    }
    testTasks.add(result.getTaskId());
    Integer through = result.getTrainedThroughTask();
    if (through == null) {
      return; // task-free: no row to put it in
    }
    Row row = rows.get(through);
    if (row == null || version > row.version()) {
      row = new Row(through, version, new TreeMap<>());
      rows.put(through, row);
    }
    if (version == row.version()) {
      row.accuracy().put(result.getTaskId(), result.getAccuracy());
    }
  }

  /** Evaluated version to its whole-test-set accuracy, ascending. */
  Map<Long, Double> overall() {
    return new TreeMap<>(overall);
  }

  Optional<Map.Entry<Long, Double>> newest() {
    return Optional.ofNullable(overall.lastEntry());
  }

  List<Integer> testTasks() {
    return List.copyOf(testTasks);
  }

  List<Row> rows() {
    List<Row> copy = new ArrayList<>();
    rows.values().forEach(r -> copy.add(new Row(r.trainedThroughTask(), r.version(), new TreeMap<>(r.accuracy()))));
    return copy;
  }
}
