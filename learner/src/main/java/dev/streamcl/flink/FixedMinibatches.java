package dev.streamcl.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;

/**
 * Samples waiting in keyed list state, cut into minibatches of a fixed size. Fixed sizes make SGD
 * learners independent of how Flink cut micro-batches, so a seed and an input order fix the model.
 * A task boundary (the first sample of a new task id) also ends a minibatch, like the end of an
 * experience in Avalanche, so the learner can publish the model trained through each task.
 */
final class FixedMinibatches {
  /** Learns one minibatch. */
  interface Step {
    void learn(FeatureBatch minibatch) throws Exception;
  }

  /** Called before learning the first sample of a new task, after every sample of the previous one. */
  interface TaskEnd {
    void ended() throws Exception;
  }

  private FixedMinibatches() {}

  /**
   * Runs {@code step} on every full minibatch, on every minibatch cut short by a task boundary, and
   * on the remainder when the input ended; what is left stays waiting. {@code progress} tells which
   * task ids were already learned (the step must record what it takes in); {@code taskEnd} null
   * ignores task ids.
   */
  static void drain(ListState<FeatureBatch> waiting, int size, boolean inputEnded, PublishProgress progress,
      TaskEnd taskEnd, Step step) throws Exception {
    int available = count(waiting);
    boolean cutAtTasks = taskEnd != null;
    if (available == 0 || (available < size && !inputEnded && !(cutAtTasks && holdsBoundary(waiting, progress)))) {
      return;
    }
    FeatureBatch pending = joined(waiting);
    int from = 0;
    while (from < pending.size()) {
      if (cutAtTasks && progress.opensNewTask(pending, from)) {
        taskEnd.ended();
      }
      int end = Math.min(from + size, cutAtTasks ? nextTaskStart(pending, from, progress.highestTask) : pending.size());
      boolean complete = end - from == size || end < pending.size() || inputEnded;
      if (!complete) {
        break;
      }
      step.learn(pending.slice(from, end));
      from = end;
    }
    waiting.update(from == pending.size() ? List.of() : List.of(pending.slice(from, pending.size())));
  }

  /**
   * Cheap pre-check: a partial minibatch can only be learned now if a task id rises after its first
   * sample (a rise at the first sample is handled when that minibatch is learned).
   */
  private static boolean holdsBoundary(ListState<FeatureBatch> waiting, PublishProgress progress) throws Exception {
    int highest = progress.highestTask;
    boolean first = true;
    for (FeatureBatch batch : waiting.get()) {
      for (int task : batch.taskIds) {
        if (!first && highest >= 0 && task > highest) {
          return true;
        }
        highest = Math.max(highest, task);
        first = false;
      }
    }
    return false;
  }

  /** The first row after {@code from} whose task id is higher than every task id before it in the batch, or the size. */
  private static int nextTaskStart(FeatureBatch pending, int from, int learnedHighest) {
    int highest = Math.max(learnedHighest, pending.taskIds[from]);
    for (int k = from + 1; k < pending.size(); k++) {
      if (highest >= 0 && pending.taskIds[k] > highest) {
        return k;
      }
      highest = Math.max(highest, pending.taskIds[k]);
    }
    return pending.size();
  }

  /** All waiting batches joined into one (one copy), or null when none wait. */
  static FeatureBatch joined(ListState<FeatureBatch> waiting) throws Exception {
    List<FeatureBatch> parts = new ArrayList<>();
    waiting.get().forEach(parts::add);
    return parts.isEmpty() ? null : FeatureBatch.concat(parts);
  }

  static int count(ListState<FeatureBatch> waiting) throws Exception {
    int n = 0;
    for (FeatureBatch batch : waiting.get()) {
      n += batch.size();
    }
    return n;
  }
}
