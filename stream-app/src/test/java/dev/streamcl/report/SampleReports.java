package dev.streamcl.report;

import dev.streamcl.evaluation.AccuracyMatrix;
import dev.streamcl.evaluation.ContinualMetrics;
import dev.streamcl.report.ReportData.CurvePoint;
import dev.streamcl.report.ReportData.LearnerReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A three-task experiment with two task-aware learners and one task-free learner, and the figures the report
 * should show.
 */
public final class SampleReports {
  static final double NAN = Double.NaN;
  static final long TASK_SIZE = 12_000;

  private SampleReports() {}

  /** nmc and er have 3×3 matrices (one with a missing entry above the diagonal); the third is task-free. */
  static ReportData threeLearners(String taskFreeName) {
    AccuracyMatrix nmc = AccuracyMatrix.of(new double[][] {
        {0.981, NAN, NAN},
        {0.912, 0.954, 0.12},
        {0.853, 0.886, 0.972}});
    AccuracyMatrix er = AccuracyMatrix.of(new double[][] {
        {0.995, 0.05, 0.04},
        {0.702, 0.990, 0.06},
        {0.611, 0.743, 0.993}});
    return new ReportData("Split Fashion-MNIST <run 7>", "split-fashion-mnist", "stream-0", 42L,
        List.of(TASK_SIZE, 2 * TASK_SIZE),
        List.of(
            learner("nmc", nmc, 0.9034, 3075.4, 12, 0.9),
            learner("er", er, 0.7821, NAN, 9, 0.7),
            learner(taskFreeName, null, 0.7034, 1234.5, 7, 0.6)));
  }

  private static LearnerReport learner(String name, AccuracyMatrix matrix, double finalAccuracy,
      double samplesPerSecond, long versions, double plateau) {
    ContinualMetrics.Summary metrics = matrix == null ? null : ContinualMetrics.summarize(matrix);
    return new LearnerReport(name, curve(plateau, 6_000), curve(plateau - 0.05, 1_500), matrix, metrics,
        finalAccuracy, finalAccuracy - 0.0412, samplesPerSecond, versions);
  }

  /** Rises to plateau, dips at each task start and recovers. */
  private static List<CurvePoint> curve(double plateau, long step) {
    List<CurvePoint> points = new ArrayList<>();
    for (long seen = step; seen <= 3 * TASK_SIZE; seen += step) {
      double intoTask = (double) (seen % TASK_SIZE) / TASK_SIZE;
      points.add(new CurvePoint(seen, plateau * (0.6 + 0.4 * Math.sqrt(intoTask))));
    }
    return points;
  }

  /** The summary cells expected for a learner, formatted here from its inputs (not by the code under test). */
  public static List<String> expectedCells(LearnerReport learner) {
    ContinualMetrics.Summary m = learner.metrics();
    return List.of(
        learner.learner(),
        String.format(Locale.ROOT, "%.2f%%", learner.finalAccuracy() * 100),
        String.format(Locale.ROOT, "%.2f%%", learner.finalMacroAccuracy() * 100),
        m == null ? "—" : String.format(Locale.ROOT, "%.2f%%", m.averageIncrementalAccuracy() * 100),
        m == null ? "—" : String.format(Locale.ROOT, "%.2f pp", m.averageForgetting() * 100),
        m == null ? "—" : String.format(Locale.ROOT, "%.2f pp", m.backwardTransfer() * 100),
        Double.isNaN(learner.samplesPerSecond())
            ? "—"
            : String.format(Locale.ROOT, "%,.0f", learner.samplesPerSecond()),
        String.valueOf(learner.modelVersions()));
  }

  /** HTML-escapes text, independently of the writer's own escaping. */
  public static String escaped(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
        .replace("'", "&#39;");
  }

  static long matrixCount(ReportData data) {
    return data.learners().stream().filter(l -> l.matrix() != null).count();
  }
}
