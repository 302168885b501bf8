package dev.streamcl.dashboard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rates over wall-clock time for the samples/s chart: one row per tick, one column per series; a series that
 * appears later (a learner's first prediction) reads null before it. Keeps the newest {@code capacity} rows.
 */
final class ThroughputHistory {
  private final int capacity;
  private final List<Long> times = new ArrayList<>();
  private final Map<String, List<Double>> series = new LinkedHashMap<>();

  ThroughputHistory(int capacity) {
    this.capacity = capacity;
  }

  void add(long timeMs, Map<String, Double> rates) {
    times.add(timeMs);
    rates.keySet().forEach(name -> series.computeIfAbsent(name, n -> new ArrayList<>(nulls(times.size() - 1))));
    series.forEach((name, values) -> values.add(rates.get(name)));
    if (times.size() > capacity) {
      times.remove(0);
      series.values().forEach(values -> values.remove(0));
    }
  }

  List<Long> times() {
    return List.copyOf(times);
  }

  /** Series name to its values, one per time; copies. */
  Map<String, List<Double>> series() {
    Map<String, List<Double>> copy = new LinkedHashMap<>();
    series.forEach((name, values) -> copy.put(name, new ArrayList<>(values)));
    return copy;
  }

  private static List<Double> nulls(int count) {
    List<Double> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      values.add(null);
    }
    return values;
  }
}
