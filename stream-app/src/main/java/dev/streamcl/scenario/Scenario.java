package dev.streamcl.scenario;

import dev.streamcl.events.Sample;

/**
 * A continual-learning scenario: a training stream and a held-out test set, both addressable by
 * sequence number so a publisher can resume in the middle. Same settings, same samples, byte for byte.
 */
public interface Scenario {
  /** Short name used in topic names ({@code streamcl.test.<name>}) and record headers. */
  String name();

  /** The seed the training order was drawn with. */
  long seed();

  /** The per-task sample cap this scenario was cut to, or 0 for all samples. */
  int samplesPerTask();

  long trainingSize();

  /** Training sample {@code sequence} (0-based) of the given stream. */
  Sample trainingSample(String streamId, long sequence);

  long testSize();

  /** Test sample {@code sequence} (0-based). */
  Sample testSample(String streamId, long sequence);

  /** Whether the test set changes with the seed (then a published test topic is checked against it too). */
  default boolean testSetDependsOnSeed() {
    return false;
  }

  /** Settings beyond name, seed and cap that shape the stream (e.g. a blend window), or "" when none. */
  default String variant() {
    return "";
  }
}
