package dev.streamcl.dashboard;

import java.util.Comparator;

/** One learner on one stream: the unit the pipeline versions models by. */
record LearnerKey(String stream, String learner) implements Comparable<LearnerKey> {
  private static final Comparator<LearnerKey> ORDER =
      Comparator.comparing(LearnerKey::stream).thenComparing(LearnerKey::learner);

  @Override
  public int compareTo(LearnerKey other) {
    return ORDER.compare(this, other);
  }
}
