package dev.streamcl.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EvalResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Accuracy matrices are read back from EvalResults: row i is the newest version trained through task i. */
class EvalResultsTest {

  @Test
  void rowsComeFromTheNewestVersionTrainedThroughEachTask() {
    List<EvalResult> results = new ArrayList<>();
    results.addAll(version("nmc", 1, 0, 0.50, 0.00));  // mid-task 0: replaced by version 2 for row 0
    results.addAll(version("nmc", 2, 0, 0.90, 0.10));
    results.addAll(version("nmc", 3, 1, 0.80, 0.70));
    results.addAll(version("other-stream-learner", 9, 0, 0.1, 0.1));

    AccuracyMatrix r = new EvalResults(results, "s").accuracyMatrix("nmc").orElseThrow();

    assertEquals(2, r.tasks());
    assertEquals(0.90, r.get(0, 0));
    assertEquals(0.10, r.get(0, 1));
    assertEquals(0.80, r.get(1, 0));
    assertEquals(0.70, r.get(1, 1));
    assertEquals(List.of(1L, 2L, 3L), new EvalResults(results, "s").overall("nmc").stream()
        .map(EvalResult::getModelVersion).toList());
  }

  @Test
  void noMatrixWhenATaskHasNoVersionOrTheScenarioIsTaskFree() {
    List<EvalResult> missingRow = new ArrayList<>(version("kvb", 5, 1, 0.8, 0.7));
    assertTrue(new EvalResults(missingRow, "s").accuracyMatrix("kvb").isEmpty());

    List<EvalResult> taskFree = new ArrayList<>(version("kvb", 5, null, 0.8, 0.7));
    assertTrue(new EvalResults(taskFree, "s").accuracyMatrix("kvb").isEmpty());
  }

  @Test
  void aRepeatedEvaluationReplacesTheEarlierResult() {
    List<EvalResult> results = new ArrayList<>(version("er", 4, 0, 0.2, 0.2));
    results.addAll(version("er", 4, 0, 0.6, 0.4));
    results.addAll(version("er", 5, 1, 0.3, 0.9));
    EvalResults read = new EvalResults(results, "s");
    assertEquals(0.6, read.accuracyMatrix("er").orElseThrow().get(0, 0));
    assertEquals(0.6, read.newest("er").orElseThrow().getAccuracy(), 1e-12);
    assertEquals(2, read.overall("er").size());
  }

  /** Per-task results (tasks 0 and 1, 100 test samples each) plus the whole-test-set one. */
  private static List<EvalResult> version(String learner, long version, Integer trainedThrough, double task0,
      double task1) {
    String stream = learner.startsWith("other") ? "t" : "s";
    return List.of(result(stream, learner, version, trainedThrough, 0, task0),
        result(stream, learner, version, trainedThrough, 1, task1),
        result(stream, learner, version, trainedThrough, null, (task0 + task1) / 2));
  }

  private static EvalResult result(String stream, String learner, long version, Integer trainedThrough, Integer task,
      double accuracy) {
    long count = task == null ? 200 : 100;
    return EvalResult.newBuilder().setStreamId(stream).setLearner(learner).setModelVersion(version)
        .setScenario("split-fmnist").setTestTopic("t").setTrainedThroughTask(trainedThrough).setTaskId(task)
        .setCorrect(Math.round(accuracy * count)).setCount(count).setAccuracy(accuracy).setSamplesSeen(version * 10)
        .setCreatedAt(Instant.EPOCH).build();
  }
}
