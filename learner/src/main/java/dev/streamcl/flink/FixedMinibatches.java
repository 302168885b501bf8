package dev.streamcl.flink;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;

/**
 * Samples waiting in keyed list state, cut into minibatches of a fixed size. Fixed sizes make SGD
 * learners independent of how Flink cut micro-batches, so a seed and an input order fix the model.
 */
final class FixedMinibatches {
  /** Learns one minibatch. */
  interface Step {
    void learn(FeatureBatch minibatch) throws Exception;
  }

  private FixedMinibatches() {}

  /**
   * Runs {@code step} on every full minibatch (and on the remainder when the input ended); what is
   * left stays waiting.
   */
  static void drain(ListState<FeatureBatch> waiting, int size, boolean inputEnded, Step step) throws Exception {
    int available = count(waiting);
    if (available == 0 || (available < size && !inputEnded)) {
      return;
    }
    FeatureBatch pending = joined(waiting);
    int from = 0;
    while (pending.size() - from >= size || (inputEnded && from < pending.size())) {
      FeatureBatch minibatch = pending.slice(from, Math.min(from + size, pending.size()));
      from += minibatch.size();
      step.learn(minibatch);
    }
    waiting.update(from == pending.size() ? List.of() : List.of(pending.slice(from, pending.size())));
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
