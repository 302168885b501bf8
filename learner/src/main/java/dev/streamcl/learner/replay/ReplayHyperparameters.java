package dev.streamcl.learner.replay;

/**
 * Hyperparameters of a replay learner: how it rehearses and how its head learns.
 *
 * @param mode ER (replay stored samples), NO_REPLAY (fine-tuning lower bound) or PSEUDO_FEATURE (FeTrIL)
 * @param policy buffer policy for ER
 * @param capacity buffer size in samples for ER
 * @param replayCount replayed (or pseudo) samples added to each SGD step
 * @param learningRate SGD learning rate
 * @param stepsPerMinibatch SGD steps per incoming minibatch, each with a fresh replay draw
 * @param seed seed of the buffer's or the pseudo-feature generator's RNG
 */
public record ReplayHyperparameters(Mode mode, ReplayBuffer.Policy policy, int capacity, int replayCount,
    float learningRate, int stepsPerMinibatch, long seed) implements java.io.Serializable {

  public enum Mode { ER, NO_REPLAY, PSEUDO_FEATURE }

  public ReplayHyperparameters {
    if (capacity < 1 || replayCount < 0 || stepsPerMinibatch < 1 || !(learningRate > 0)) {
      throw new IllegalArgumentException("Need capacity >= 1, replayCount >= 0, stepsPerMinibatch >= 1 and"
          + " learningRate > 0, got " + capacity + ", " + replayCount + ", " + stepsPerMinibatch + ", " + learningRate);
    }
  }

  /** ER with a reservoir buffer. */
  public static ReplayHyperparameters experienceReplay(int capacity, int replayCount, float learningRate, long seed) {
    return new ReplayHyperparameters(Mode.ER, ReplayBuffer.Policy.RESERVOIR, capacity, replayCount, learningRate, 1,
        seed);
  }

  public ReplayHyperparameters withMode(Mode newMode) {
    return new ReplayHyperparameters(newMode, policy, capacity, replayCount, learningRate, stepsPerMinibatch, seed);
  }

  public ReplayHyperparameters withPolicy(ReplayBuffer.Policy newPolicy) {
    return new ReplayHyperparameters(mode, newPolicy, capacity, replayCount, learningRate, stepsPerMinibatch, seed);
  }

  public ReplayHyperparameters withSteps(int steps) {
    return new ReplayHyperparameters(mode, policy, capacity, replayCount, learningRate, steps, seed);
  }

  /** A fresh memory for this mode. */
  public ReplayMemory newMemory(int dim) {
    return switch (mode) {
      case ER -> new ReplayBuffer(policy, dim, capacity, seed);
      case NO_REPLAY -> ReplayMemory.none(dim);
      case PSEUDO_FEATURE -> new PseudoFeatureReplay(dim, seed);
    };
  }
}
