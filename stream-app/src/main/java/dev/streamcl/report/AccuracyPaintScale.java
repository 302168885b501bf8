package dev.streamcl.report;

import java.awt.Color;
import java.awt.Paint;
import org.jfree.chart.renderer.PaintScale;

/** Accuracy 0..1 on a light-to-dark blue gradient; a missing entry (NaN) is light grey. */
final class AccuracyPaintScale implements PaintScale {
  static final Color MISSING = new Color(0xE0E0E0);

  private static final Color LOW = new Color(0xF7FBFF);
  private static final Color MID = new Color(0x6BAED6);
  private static final Color HIGH = new Color(0x08306B);

  @Override
  public double getLowerBound() {
    return 0.0;
  }

  @Override
  public double getUpperBound() {
    return 1.0;
  }

  @Override
  public Paint getPaint(double accuracy) {
    if (Double.isNaN(accuracy)) {
      return MISSING;
    }
    double a = Math.max(0.0, Math.min(1.0, accuracy));
    return a < 0.5 ? blend(LOW, MID, a / 0.5) : blend(MID, HIGH, (a - 0.5) / 0.5);
  }

  /** Text drawn over a cell of this accuracy stays readable: white on the dark half, black otherwise. */
  static Color textColourOver(double accuracy) {
    return !Double.isNaN(accuracy) && accuracy > 0.6 ? Color.WHITE : Color.BLACK;
  }

  private static Color blend(Color from, Color to, double t) {
    return new Color(mix(from.getRed(), to.getRed(), t), mix(from.getGreen(), to.getGreen(), t),
        mix(from.getBlue(), to.getBlue(), t));
  }

  private static int mix(int from, int to, double t) {
    return (int) Math.round(from + (to - from) * t);
  }
}
