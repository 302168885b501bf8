package dev.streamcl.flink;

import java.io.Serializable;

/**
 * When a learner publishes a version: every {@code everyLabelled} labelled samples, at the end of the
 * input, and, with {@code atTaskEnd}, before the first sample of a task id higher than any seen (the
 * model trained through the previous task, for the accuracy matrix; SGD learners also close their
 * minibatch there). Task-free streams whose samples still carry their source task turn it off.
 */
public record PublishPolicy(int everyLabelled, boolean atTaskEnd) implements Serializable {
  public PublishPolicy {
    if (everyLabelled <= 0) {
      throw new IllegalArgumentException("publish interval (labelled samples) must be positive");
    }
  }

  /** Every {@code labelled} samples and at task ends. */
  public static PublishPolicy every(int labelled) {
    return new PublishPolicy(labelled, true);
  }
}
