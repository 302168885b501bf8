package dev.streamcl.evaluation;

import dev.streamcl.events.EvalResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** Reads one stream's {@link EvalResult}s back into accuracy matrices and curves, per learner. */
public final class EvalResults {
  private final Map<String, Map<Long, Map<Integer, EvalResult>>> byLearner = new TreeMap<>();
  /** Keys the whole-test-set result of a version, which has no task id. */
  private static final int WHOLE_TEST_SET = Integer.MIN_VALUE;

  /** Later results for the same version and task replace earlier ones (an evaluation run twice). */
  public EvalResults(List<EvalResult> results, String streamId) {
    for (EvalResult result : results) {
      if (result.getStreamId().equals(streamId)) {
        byLearner.computeIfAbsent(result.getLearner(), l -> new TreeMap<>())
            .computeIfAbsent(result.getModelVersion(), v -> new TreeMap<>())
            .put(result.getTaskId() == null ? WHOLE_TEST_SET : result.getTaskId(), result);
      }
    }
  }

  public List<String> learners() {
    return List.copyOf(byLearner.keySet());
  }

  /** Whole-test-set results of every evaluated version, in version order. */
  public List<EvalResult> overall(String learner) {
    List<EvalResult> overall = new ArrayList<>();
    versions(learner).values().forEach(tasks -> {
      if (tasks.containsKey(WHOLE_TEST_SET)) {
        overall.add(tasks.get(WHOLE_TEST_SET));
      }
    });
    return overall;
  }

  /** The newest evaluated version's whole-test-set result. */
  public Optional<EvalResult> newest(String learner) {
    List<EvalResult> overall = overall(learner);
    return overall.isEmpty() ? Optional.empty() : Optional.of(overall.get(overall.size() - 1));
  }

  /**
   * R[i][j]: accuracy on test task j of the newest evaluated version trained through task i. Empty
   * when the scenario is task-free or a row is missing (for example a task without a boundary version).
   */
  public Optional<AccuracyMatrix> accuracyMatrix(String learner) {
    TreeSet<Integer> testTasks = new TreeSet<>();
    Map<Integer, Map<Integer, EvalResult>> rows = new TreeMap<>();
    versions(learner).values().forEach(tasks -> tasks.values().forEach(result -> {
      if (result.getTaskId() != null) {
        testTasks.add(result.getTaskId());
      }
      if (result.getTrainedThroughTask() != null) {
        rows.put(result.getTrainedThroughTask(), tasks); // versions ascend: the newest one wins
      }
    }));
    int tasks = testTasks.size();
    if (tasks == 0 || !testTasks.equals(contiguous(tasks)) || !rows.keySet().equals(contiguous(tasks))) {
      return Optional.empty();
    }
    AccuracyMatrix matrix = new AccuracyMatrix(tasks);
    rows.forEach((row, results) -> results.values().stream().filter(r -> r.getTaskId() != null)
        .forEach(r -> matrix.record(row, r.getTaskId(), r.getAccuracy())));
    return Optional.of(matrix);
  }

  private Map<Long, Map<Integer, EvalResult>> versions(String learner) {
    return Objects.requireNonNullElse(byLearner.get(learner), Map.of());
  }

  private static TreeSet<Integer> contiguous(int n) {
    TreeSet<Integer> set = new TreeSet<>();
    for (int i = 0; i < n; i++) {
      set.add(i);
    }
    return set;
  }
}
