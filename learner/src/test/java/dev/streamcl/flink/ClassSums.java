package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamcl.learner.nmc.NearestClassMeanModel;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * What an NMC model must hold after learning the samples a test sent: per-class sums of the features
 * and counts, added up in the test in double precision.
 */
final class ClassSums {
  private final Map<Integer, double[]> sums = new HashMap<>();
  private final Map<Integer, Long> counts = new HashMap<>();

  void add(int label, float[] feature) {
    double[] sum = sums.computeIfAbsent(label, l -> new double[feature.length]);
    for (int k = 0; k < feature.length; k++) {
      sum[k] += feature[k];
    }
    counts.merge(label, 1L, Long::sum);
  }

  long total() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The model's classes, counts and sums (to float precision) are these. */
  void assertMatches(NearestClassMeanModel model) {
    Map<Integer, Integer> rows = new HashMap<>();
    for (int i = 0; i < model.labels().length; i++) {
      rows.put(model.labels()[i], i);
    }
    assertEquals(new TreeSet<>(sums.keySet()), new TreeSet<>(rows.keySet()), "classes");
    int dim = model.dim();
    float[] modelSums = model.sums();
    long[] modelCounts = model.counts();
    rows.forEach((label, row) -> {
      assertEquals(counts.get(label).longValue(), modelCounts[row], "count of class " + label);
      double[] expected = sums.get(label);
      for (int k = 0; k < dim; k++) {
        assertEquals(expected[k], modelSums[row * dim + k], 1e-3 * Math.max(1, Math.abs(expected[k])),
            "class " + label + " dim " + k);
      }
    });
  }
}
