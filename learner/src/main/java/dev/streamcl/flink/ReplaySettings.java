package dev.streamcl.flink;

import dev.streamcl.learner.replay.PseudoFeatureReplay;
import dev.streamcl.learner.replay.ReplayBuffer;
import dev.streamcl.learner.replay.ReplayConfig;
import dev.streamcl.learner.replay.ReplayMemory;
import java.io.Serializable;

/**
 * One replay-head learner of the job: its published name, how it rehearses, and the fixed number of
 * new samples per SGD minibatch (fixed, so results do not depend on Flink's micro-batching).
 */
public record ReplaySettings(String learner, ReplayConfig config, int minibatch) implements Serializable {
  public static final int DEFAULT_MINIBATCH = 32;
  public static final int DEFAULT_CAPACITY = 500;
  public static final float DEFAULT_LEARNING_RATE = 0.1f;
  public static final long DEFAULT_SEED = 42L;

  /** The knobs every replay learner of a job shares: buffer size, samples per step, SGD. */
  public record Tuning(int capacity, int minibatch, int replayCount, float learningRate, int stepsPerMinibatch,
      long seed) implements Serializable {
    public static Tuning defaults() {
      return new Tuning(DEFAULT_CAPACITY, DEFAULT_MINIBATCH, DEFAULT_MINIBATCH, DEFAULT_LEARNING_RATE, 1, DEFAULT_SEED);
    }
  }

  /** Learner names the job knows, each a preset: experience replay (reservoir, class-balanced), FeTrIL, fine-tuning. */
  public static ReplaySettings named(String learner, Tuning tuning) {
    ReplayConfig.Mode mode = switch (learner) {
      case "er", "er-balanced" -> ReplayConfig.Mode.ER;
      case "fetril" -> ReplayConfig.Mode.PSEUDO_FEATURE;
      case "finetune" -> ReplayConfig.Mode.NO_REPLAY;
      default -> throw new IllegalArgumentException("Unknown replay learner '" + learner
          + "'; use er, er-balanced, fetril or finetune");
    };
    ReplayBuffer.Policy policy = learner.equals("er-balanced") ? ReplayBuffer.Policy.CLASS_BALANCED
        : ReplayBuffer.Policy.RESERVOIR;
    return new ReplaySettings(learner, new ReplayConfig(mode, policy, tuning.capacity(), tuning.replayCount(),
        tuning.learningRate(), tuning.stepsPerMinibatch(), tuning.seed()), tuning.minibatch());
  }

  public static boolean isReplayLearner(String learner) {
    return switch (learner) {
      case "er", "er-balanced", "fetril", "finetune" -> true;
      default -> false;
    };
  }

  /** A fresh memory for features of dimension {@code dim}. */
  public ReplayMemory newMemory(int dim) {
    return switch (config.mode()) {
      case ER -> new ReplayBuffer(config.policy(), dim, config.capacity(), config.seed());
      case PSEUDO_FEATURE -> new PseudoFeatureReplay(dim, config.seed());
      case NO_REPLAY -> ReplayMemory.none(dim);
    };
  }
}
