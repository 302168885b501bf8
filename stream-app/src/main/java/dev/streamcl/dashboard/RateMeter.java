package dev.streamcl.dashboard;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Events per second over the last few seconds, from a running total read now and then: output that becomes
 * readable in bursts (at each checkpoint's commit) reads as a steady rate once the span covers a few bursts.
 */
final class RateMeter {
  private final long spanMs;
  /** {time in ms, total then}, oldest first; the oldest is the newest one at least a span old. */
  private final Deque<long[]> readings = new ArrayDeque<>();

  RateMeter(long spanMs) {
    this.spanMs = spanMs;
  }

  void record(long nowMs, long total) {
    readings.addLast(new long[] {nowMs, total});
    while (readings.size() > 2 && secondOldest()[0] <= nowMs - spanMs) {
      readings.removeFirst();
    }
  }

  /** Per second between the oldest and the newest reading; null until two readings lie apart in time. */
  Double perSecond() {
    if (readings.size() < 2) {
      return null;
    }
    long[] first = readings.peekFirst();
    long[] last = readings.peekLast();
    long millis = last[0] - first[0];
    return millis <= 0 ? null : Math.max(0, last[1] - first[1]) * 1000.0 / millis;
  }

  private long[] secondOldest() {
    var it = readings.iterator();
    it.next();
    return it.next();
  }
}
