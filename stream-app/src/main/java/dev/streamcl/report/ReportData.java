package dev.streamcl.report;

import dev.streamcl.evaluation.AccuracyMatrix;
import dev.streamcl.evaluation.ContinualMetrics;
import java.util.List;

/**
 * Everything a report shows about one experiment: one scenario on one stream, several learners.
 *
 * @param taskStarts samples seen (of the training stream) at which task k starts, k = 1..T-1; empty
 *     when the scenario has no sharp boundaries
 */
public record ReportData(String title, String scenario, String streamId, long seed, List<Long> taskStarts,
    List<LearnerReport> learners) {

  public ReportData {
    taskStarts = List.copyOf(taskStarts);
    learners = List.copyOf(learners);
  }

  /** Accuracy at one point of the stream. */
  public record CurvePoint(long samplesSeen, double accuracy) {}

  /**
   * A drift the learner job's detector reported in the prequential error.
   *
   * @param samplesSeen where on the stream (the prequential curve's axis)
   * @param position the sequence number of the sample that revealed it
   */
  public record DriftMark(long samplesSeen, long position, double errorBefore, double errorAfter) {}

  /**
   * One learner's figures.
   *
   * @param testAccuracy accuracy on the whole held-out test set at every evaluated version
   * @param prequential test-then-train accuracy over a sliding window, from the predictions topic
   * @param matrix R[i][j] (accuracy on task j after training through task i); null when task-free
   * @param metrics derived from {@code matrix}; null when it is
   * @param finalAccuracy accuracy of the newest version on the whole test set
   * @param finalMacroAccuracy its mean per-class recall there (NaN when the results predate it)
   * @param samplesPerSecond learning throughput of the job that trained it (NaN when unknown)
   * @param modelVersions versions published
   * @param drifts drift alerts of the learner on the stream, in stream order
   */
  public record LearnerReport(String learner, List<CurvePoint> testAccuracy, List<CurvePoint> prequential,
      AccuracyMatrix matrix, ContinualMetrics.Summary metrics, double finalAccuracy, double finalMacroAccuracy,
      double samplesPerSecond, long modelVersions, List<DriftMark> drifts) {

    public LearnerReport {
      testAccuracy = List.copyOf(testAccuracy);
      prequential = List.copyOf(prequential);
      drifts = List.copyOf(drifts);
    }

    /** A learner without drift alerts (run with drift detection off, or before it existed). */
    public LearnerReport(String learner, List<CurvePoint> testAccuracy, List<CurvePoint> prequential,
        AccuracyMatrix matrix, ContinualMetrics.Summary metrics, double finalAccuracy, double finalMacroAccuracy,
        double samplesPerSecond, long modelVersions) {
      this(learner, testAccuracy, prequential, matrix, metrics, finalAccuracy, finalMacroAccuracy, samplesPerSecond,
          modelVersions, List.of());
    }
  }
}
