package dev.streamcl.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Samples processed, reported by JMH as the secondary metric "samples" in samples/s, so batch sizes
 * compare directly (the primary metric counts calls).
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class SampleCounter {
  public long samples;

  @Setup(Level.Iteration)
  public void reset() {
    samples = 0;
  }
}
