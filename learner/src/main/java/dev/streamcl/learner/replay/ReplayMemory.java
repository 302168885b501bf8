package dev.streamcl.learner.replay;

import java.io.Serializable;

/** What a replay learner rehearses: stored samples, pseudo-features, or nothing. */
public interface ReplayMemory extends Serializable {
  /** Up to {@code k} labelled rows to train on alongside the minibatch {@code x} [n, dim]. */
  ReplaySamples draw(float[] x, int n, int[] labels, int k);

  /** Learns from the minibatch after training on it. */
  void remember(float[] x, int n, int[] labels);

  /** Fine-tuning: rehearses nothing. */
  static ReplayMemory none(int dim) {
    return new NoReplay(dim);
  }

  /** The no-replay memory (a record, so it serialises and compares by value). */
  record NoReplay(int dim) implements ReplayMemory {
    @Override
    public ReplaySamples draw(float[] x, int n, int[] labels, int k) {
      return ReplaySamples.empty(dim);
    }

    @Override
    public void remember(float[] x, int n, int[] labels) {}
  }
}
