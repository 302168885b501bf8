package dev.streamcl.dashboard;

import java.util.Arrays;

/**
 * The end of one samples-topic partition and which of its last offsets, from {@code from}, hold records. Offsets
 * alone overcount: each committed or aborted transaction leaves a marker that takes an offset, so a learner that
 * took in every sample would seem one record behind after each publisher commit.
 *
 * @param end the read_committed end offset
 * @param records ascending offsets in [from, end) of committed records
 */
record PartitionTail(long end, long from, long[] records) {
  /** A tail not read: every offset before {@code end} counts as a record. */
  static PartitionTail unread(long end) {
    return new PartitionTail(end, end, new long[0]);
  }

  /** Records after {@code offset}: counted within the tail, and by offsets before it (where markers are rare). */
  long recordsAfter(long offset) {
    long next = offset + 1;
    return Math.max(0, from - next) + Arrays.stream(records).filter(o -> o >= next).count();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PartitionTail tail && end == tail.end && from == tail.from
        && Arrays.equals(records, tail.records);
  }

  @Override
  public int hashCode() {
    return 31 * Long.hashCode(end) + 17 * Long.hashCode(from) + Arrays.hashCode(records);
  }

  @Override
  public String toString() {
    return "PartitionTail[end=" + end + ", from=" + from + ", records=" + Arrays.toString(records) + "]";
  }
}
