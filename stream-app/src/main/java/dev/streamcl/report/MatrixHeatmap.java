package dev.streamcl.report;

import dev.streamcl.evaluation.AccuracyMatrix;
import java.awt.Color;
import java.awt.Font;
import java.text.NumberFormat;
import java.util.Locale;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.DefaultXYZDataset;

/**
 * Heatmap of one learner's accuracy matrix: row i = trained through task i (top to bottom), column
 * j = evaluated on task j, each cell labelled with its accuracy; unrecorded cells are grey and blank.
 */
final class MatrixHeatmap {
  static final int WIDTH = 720;
  static final int HEIGHT = 620;

  private static final Font CELL_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 13);
  private static final Font TASK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  private MatrixHeatmap() {}

  static JFreeChart of(String learner, AccuracyMatrix matrix) {
    AccuracyPaintScale scale = new AccuracyPaintScale();
    XYBlockRenderer renderer = new XYBlockRenderer();
    renderer.setPaintScale(scale);
    XYPlot plot = new XYPlot(cells(matrix), taskAxis("evaluated on task id j", matrix.tasks()),
        rowAxis(matrix.tasks()), renderer);
    plot.setBackgroundPaint(AccuracyPaintScale.MISSING);
    plot.setDomainGridlinesVisible(false);
    plot.setRangeGridlinesVisible(false);
    plot.setDomainAxisLocation(AxisLocation.TOP_OR_LEFT);
    labelCells(plot, matrix);

    JFreeChart chart = new JFreeChart("Accuracy matrix R[i][j] — " + learner, JFreeChart.DEFAULT_TITLE_FONT,
        plot, false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.addSubtitle(legendFor(scale));
    return chart;
  }

  /** One (x = j, y = i, z = R[i][j]) triple per cell, NaN included so the scale paints it grey. */
  private static DefaultXYZDataset cells(AccuracyMatrix matrix) {
    int t = matrix.tasks();
    double[][] xyz = new double[3][t * t];
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < t; j++) {
        int cell = i * t + j;
        xyz[0][cell] = j;
        xyz[1][cell] = i;
        xyz[2][cell] = matrix.get(i, j);
      }
    }
    DefaultXYZDataset dataset = new DefaultXYZDataset();
    dataset.addSeries("R", xyz);
    return dataset;
  }

  private static SymbolAxis rowAxis(int tasks) {
    SymbolAxis axis = taskAxis("trained through task id i", tasks);
    axis.setInverted(true); // row 0 on top, as the matrix is written
    return axis;
  }

  private static SymbolAxis taskAxis(String label, int tasks) {
    String[] names = new String[tasks];
    for (int k = 0; k < tasks; k++) {
      names[k] = Integer.toString(k); // the task ids of the events, as in the demo's table
    }
    SymbolAxis axis = new SymbolAxis(label, names);
    axis.setGridBandsVisible(false);
    axis.setTickLabelFont(TASK_FONT);
    axis.setRange(-0.5, tasks - 0.5);
    return axis;
  }

  private static void labelCells(XYPlot plot, AccuracyMatrix matrix) {
    for (int i = 0; i < matrix.tasks(); i++) {
      for (int j = 0; j < matrix.tasks(); j++) {
        double accuracy = matrix.get(i, j);
        if (Double.isNaN(accuracy)) {
          continue;
        }
        XYTextAnnotation label = new XYTextAnnotation(SummaryColumns.percent(accuracy), j, i);
        label.setFont(CELL_FONT);
        label.setPaint(AccuracyPaintScale.textColourOver(accuracy));
        plot.addAnnotation(label);
      }
    }
  }

  private static PaintScaleLegend legendFor(AccuracyPaintScale scale) {
    NumberAxis axis = new NumberAxis("accuracy");
    axis.setRange(scale.getLowerBound(), scale.getUpperBound());
    axis.setNumberFormatOverride(NumberFormat.getPercentInstance(Locale.ROOT));
    PaintScaleLegend legend = new PaintScaleLegend(scale, axis);
    legend.setPosition(RectangleEdge.RIGHT);
    legend.setStripWidth(14);
    legend.setMargin(8, 8, 8, 8);
    legend.setSubdivisionCount(100);
    return legend;
  }
}
