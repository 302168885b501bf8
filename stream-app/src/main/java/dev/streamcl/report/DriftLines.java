package dev.streamcl.report;

import dev.streamcl.report.ReportData.DriftMark;
import dev.streamcl.report.ReportData.LearnerReport;
import java.util.Locale;
import java.util.stream.Collectors;

/** One line per learner naming where the drift detector fired: {@code drift  nmc  4 detections at samples ...}. */
public final class DriftLines {
  private DriftLines() {}

  public static String format(ReportData data) {
    int width = data.learners().stream().mapToInt(l -> l.learner().length()).max().orElse(0);
    StringBuilder lines = new StringBuilder();
    for (LearnerReport learner : data.learners()) {
      lines.append(String.format(Locale.ROOT, "drift  %-" + width + "s  %s%n", learner.learner(), describe(learner)));
    }
    return lines.toString();
  }

  /** "4 detections at samples 12,031, ..." or "no detection". */
  static String describe(LearnerReport learner) {
    int n = learner.drifts().size();
    if (n == 0) {
      return "no detection";
    }
    return n + (n == 1 ? " detection at sample " : " detections at samples ") + learner.drifts().stream()
        .map(DriftMark::position).map(p -> String.format(Locale.ROOT, "%,d", p)).collect(Collectors.joining(", "));
  }
}
