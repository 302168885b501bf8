package dev.streamcl.report;

import dev.streamcl.evaluation.ContinualMetrics;
import dev.streamcl.report.ReportData.LearnerReport;
import java.util.List;
import java.util.Locale;

/** The per-learner summary columns shared by the HTML report and the terminal table, and how their numbers read. */
final class SummaryColumns {
  static final List<String> HEADERS = List.of("learner", "final accuracy", "macro accuracy",
      "avg incremental accuracy", "avg forgetting", "BWT", "samples/s", "model versions");

  /** Shown where a figure is unknown (no matrix, NaN throughput). */
  static final String MISSING = "—";

  private SummaryColumns() {}

  /** One learner's cells, in {@link #HEADERS} order. */
  static List<String> cells(LearnerReport learner) {
    ContinualMetrics.Summary m = learner.metrics();
    return List.of(
        learner.learner(),
        percent(learner.finalAccuracy()),
        percent(learner.finalMacroAccuracy()),
        m == null ? MISSING : percent(m.averageIncrementalAccuracy()),
        m == null ? MISSING : percentagePoints(m.averageForgetting()),
        m == null ? MISSING : percentagePoints(m.backwardTransfer()),
        throughput(learner.samplesPerSecond()),
        Long.toString(learner.modelVersions()));
  }

  /** Every column but the learner's name holds a number (right-aligned in text). */
  static boolean isNumeric(int column) {
    return column > 0;
  }

  /** An accuracy in [0, 1] as e.g. {@code 70.34%}. */
  static String percent(double fraction) {
    return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.2f%%", hundredths(fraction)) : MISSING;
  }

  /** A difference of accuracies (forgetting, BWT) as e.g. {@code -12.30 pp}. */
  static String percentagePoints(double fraction) {
    return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.2f pp", hundredths(fraction)) : MISSING;
  }

  private static String throughput(double samplesPerSecond) {
    return Double.isFinite(samplesPerSecond) ? String.format(Locale.ROOT, "%,.0f", samplesPerSecond) : MISSING;
  }

  /** ×100, with values that round to zero made +0 so they never print as "-0.00". */
  private static double hundredths(double fraction) {
    double scaled = fraction * 100.0;
    return Math.abs(scaled) < 0.005 ? 0.0 : scaled;
  }
}
