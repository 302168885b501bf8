package dev.streamcl.report;

import dev.streamcl.report.ReportData.CurvePoint;
import dev.streamcl.report.ReportData.LearnerReport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.text.NumberFormat;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.chart.util.ShapeUtils;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Accuracy against samples seen: per learner, test-set accuracy at evaluated versions (solid, with
 * markers) and the prequential window (thin, dashed, same colour); task starts as dashed verticals.
 */
final class AccuracyChart {
  static final int WIDTH = 1000;
  static final int HEIGHT = 560;

  // Colour-blind-safe (Okabe–Ito); learners beyond its length reuse colours.
  private static final Color[] PALETTE = {
      new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
      new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0xF0E442)};
  private static final BasicStroke TEST_STROKE = new BasicStroke(2.2f);
  private static final BasicStroke PREQUENTIAL_STROKE = dashed(1.0f, 6f, 4f);
  private static final BasicStroke TASK_STROKE = dashed(1.0f, 4f, 4f);

  private AccuracyChart() {}

  static JFreeChart of(ReportData data) {
    XYSeriesCollection curves = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    List<LearnerReport> learners = data.learners();
    for (int l = 0; l < learners.size(); l++) {
      LearnerReport learner = learners.get(l);
      Paint colour = PALETTE[l % PALETTE.length];
      int test = addSeries(curves, learner.learner() + " (test set)", learner.testAccuracy());
      styleTestCurve(renderer, test, colour);
      int prequential = addSeries(curves, learner.learner() + " (prequential)", learner.prequential());
      stylePrequentialCurve(renderer, prequential, colour);
      if (!learner.drifts().isEmpty()) {
        int drifts = addSeries(curves, learner.learner() + " (drift)", driftPoints(learner));
        styleDriftMarks(renderer, drifts, colour);
      }
    }
    XYPlot plot = new XYPlot(curves, samplesSeenAxis(), accuracyAxis(), renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    markTaskStarts(plot, data.taskStarts());

    JFreeChart chart = new JFreeChart("Accuracy vs samples seen", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    // The legend names learners once; this says which line style is which.
    chart.addSubtitle(new TextTitle("solid with markers: whole test set at evaluated versions · "
        + "dashed: prequential sliding window · triangles: drift detected", new Font(Font.SANS_SERIF, Font.PLAIN,
        12)));
    return chart;
  }

  private static int addSeries(XYSeriesCollection curves, String key, List<CurvePoint> points) {
    XYSeries series = new XYSeries(key, true, true);
    for (CurvePoint p : points) {
      series.add(p.samplesSeen(), p.accuracy());
    }
    curves.addSeries(series);
    return curves.getSeriesCount() - 1;
  }

  private static void styleTestCurve(XYLineAndShapeRenderer renderer, int series, Paint colour) {
    renderer.setSeriesPaint(series, colour);
    renderer.setSeriesStroke(series, TEST_STROKE);
    renderer.setSeriesShapesVisible(series, true);
  }

  private static void stylePrequentialCurve(XYLineAndShapeRenderer renderer, int series, Paint colour) {
    renderer.setSeriesPaint(series, colour);
    renderer.setSeriesStroke(series, PREQUENTIAL_STROKE);
    renderer.setSeriesShapesVisible(series, false);
    renderer.setSeriesVisibleInLegend(series, false);
  }

  /** Each drift on the learner's prequential curve, at the curve's nearest point. */
  private static List<CurvePoint> driftPoints(LearnerReport learner) {
    return learner.drifts().stream().map(d -> new CurvePoint(d.samplesSeen(),
        nearest(learner.prequential(), d.samplesSeen()))).toList();
  }

  private static double nearest(List<CurvePoint> curve, long samplesSeen) {
    return curve.stream().min(Comparator.comparingLong(p -> Math.abs(p.samplesSeen() - samplesSeen)))
        .map(CurvePoint::accuracy).orElse(0.0);
  }

  private static void styleDriftMarks(XYLineAndShapeRenderer renderer, int series, Paint colour) {
    renderer.setSeriesPaint(series, colour);
    renderer.setSeriesLinesVisible(series, false);
    renderer.setSeriesShapesVisible(series, true);
    renderer.setSeriesShape(series, ShapeUtils.createDownTriangle(6f));
    renderer.setSeriesVisibleInLegend(series, false);
  }

  private static NumberAxis samplesSeenAxis() {
    NumberAxis axis = new NumberAxis("samples seen");
    axis.setNumberFormatOverride(NumberFormat.getIntegerInstance(Locale.ROOT));
    axis.setAutoRangeIncludesZero(true);
    return axis;
  }

  private static NumberAxis accuracyAxis() {
    NumberAxis axis = new NumberAxis("accuracy");
    axis.setRange(0.0, 1.0);
    axis.setNumberFormatOverride(NumberFormat.getPercentInstance(Locale.ROOT));
    return axis;
  }

  /**
   * taskStarts.get(k - 1) is where task id k starts (task 0 starts at 0 and needs no line); the line
   * says "task id k", the id the events carry, as the demo's table and the heatmaps do.
   */
  private static void markTaskStarts(XYPlot plot, List<Long> taskStarts) {
    for (int k = 1; k <= taskStarts.size(); k++) {
      ValueMarker marker = new ValueMarker(taskStarts.get(k - 1), Color.GRAY, TASK_STROKE);
      marker.setLabel("task id " + k);
      marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      marker.setLabelPaint(Color.DARK_GRAY);
      marker.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
      marker.setLabelTextAnchor(TextAnchor.TOP_LEFT);
      plot.addDomainMarker(marker);
    }
  }

  private static BasicStroke dashed(float width, float dash, float gap) {
    return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {dash, gap}, 0f);
  }
}
