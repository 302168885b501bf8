package dev.streamcl.learner;

/**
 * Unlabelled data a learner fits something on before it learns (KVB's keys). Samples come from a
 * dedicated topic, or, when {@link #topic()} is null, are the stream's first samples, which are then
 * learned as well.
 */
public interface Warmup<S> {
  /** Samples to fit on; fewer are used when the input ends first. */
  int samplesWanted();

  /** The topic of the warm-up samples, or null for the stream's own first samples. */
  String topic();

  /** The initial state fitted on {@code samples} (at most {@link #samplesWanted()}, in arrival order). */
  S fit(FeatureBatch samples);

  /**
   * What a person should know when the input ended with only {@code samples} to fit on (the state is
   * degraded, not missing), or null when that is enough.
   */
  default String shortfall(int samples) {
    return null;
  }
}
