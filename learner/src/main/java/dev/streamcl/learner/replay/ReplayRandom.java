package dev.streamcl.learner.replay;

import java.io.Serializable;

/**
 * java.util.Random's generator (the 48-bit linear congruential generator of Knuth, TAOCP vol. 2,
 * §3.2.1, whose constants and {@code nextInt(bound)} the JDK specifies) as one plain {@code long}
 * field: any serialiser (Java, Kryo) restores it exactly, and two generators compare by state.
 * For a seed it yields exactly the sequence of {@code new java.util.Random(seed)}.
 */
final class ReplayRandom implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final long MULTIPLIER = 0x5DEECE66DL;
  private static final long ADDEND = 0xBL;
  private static final long MASK = (1L << 48) - 1;

  private long state;

  ReplayRandom(long seed) {
    this.state = (seed ^ MULTIPLIER) & MASK;
  }

  /** A generator continuing from a saved {@link #state()}. */
  static ReplayRandom withState(long state) {
    ReplayRandom random = new ReplayRandom(0);
    random.state = state & MASK;
    return random;
  }

  long state() {
    return state;
  }

  private int next(int bits) {
    state = (state * MULTIPLIER + ADDEND) & MASK;
    return (int) (state >>> (48 - bits));
  }

  /** Uniform in [0, bound), as {@link java.util.Random#nextInt(int)}. */
  int nextInt(int bound) {
    if (bound <= 0) {
      throw new IllegalArgumentException("bound must be positive, got " + bound);
    }
    int r = next(31);
    int m = bound - 1;
    if ((bound & m) == 0) {
      return (int) ((bound * (long) r) >> 31);
    }
    int u = r;
    r = u % bound;
    while (u - r + m < 0) {
      // reject values from the incomplete last interval, as java.util.Random does
      u = next(31);
      r = u % bound;
    }
    return r;
  }

  /** Uniform in [0, bound) for bounds beyond int: nextInt while it fits, else 62 random bits mod bound. */
  long nextLong(long bound) {
    if (bound <= Integer.MAX_VALUE) {
      return nextInt((int) bound);
    }
    long bits = ((long) next(31) << 31) | next(31);
    return bits % bound; // bias below 2^-30 for streams under 2^32 samples
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplayRandom other && state == other.state;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(state);
  }
}
