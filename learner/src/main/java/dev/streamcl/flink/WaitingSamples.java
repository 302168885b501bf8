package dev.streamcl.flink;

import dev.streamcl.learner.FeatureBatch;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;

/** Batches waiting in keyed list state: appending is O(1); they are joined (one copy) when used. */
final class WaitingSamples {
  private WaitingSamples() {}

  /** All waiting batches joined into one, or null when none wait. */
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

  /**
   * Whether a task id rises after the first waiting sample: then a minibatch cut short by the task
   * boundary can be learned now (a rise at the first sample is handled when its minibatch is learned).
   */
  static boolean holdBoundary(ListState<FeatureBatch> waiting, int learnedHighestTask) throws Exception {
    int highest = learnedHighestTask;
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

  /** The first row after {@code from} whose task id is higher than every one before it, or the size. */
  static int nextTaskStart(FeatureBatch pending, int from, int learnedHighestTask) {
    int highest = Math.max(learnedHighestTask, pending.taskIds[from]);
    for (int k = from + 1; k < pending.size(); k++) {
      if (highest >= 0 && pending.taskIds[k] > highest) {
        return k;
      }
      highest = Math.max(highest, pending.taskIds[k]);
    }
    return pending.size();
  }

  /** One past the row where {@code labelled} more labelled samples have been seen from {@code from}, or the size. */
  static int afterLabelled(FeatureBatch pending, int from, long labelled) {
    long seen = 0;
    for (int k = from; k < pending.size(); k++) {
      if (pending.labels[k] >= 0 && ++seen >= labelled) {
        return k + 1;
      }
    }
    return pending.size();
  }
}
