package dev.streamcl.dashboard;

import dev.streamcl.evaluation.PrequentialAccuracy;
import java.util.ArrayList;
import java.util.List;

/**
 * Prequential accuracy over a sliding window, and its curve over labelled samples: one point every {@code step}
 * labelled predictions. When the curve holds more than {@code maxPoints} points every other one is dropped and the
 * step doubles, so a long run stays a light chart; the points of learners that saw as many labels fall on the same
 * sample counts, which lets one chart share its x values.
 */
final class PrequentialCurve {
  /** One point of the curve: accuracy over the window ending at the {@code labelled}-th labelled prediction. */
  record Point(long labelled, double accuracy) {}

  private final PrequentialAccuracy accuracy;
  private final int maxPoints;
  private final List<Point> points = new ArrayList<>();
  private long step;

  PrequentialCurve(int window, int firstStep, int maxPoints) {
    if (firstStep < 1 || maxPoints < 2) {
      throw new IllegalArgumentException("firstStep must be >= 1 and maxPoints >= 2");
    }
    this.accuracy = new PrequentialAccuracy(window);
    this.step = firstStep;
    this.maxPoints = maxPoints;
  }

  void add(boolean correct) {
    accuracy.add(correct);
    if (accuracy.count() % step == 0) {
      points.add(new Point(accuracy.count(), accuracy.windowAccuracy()));
      if (points.size() > maxPoints) {
        long coarser = 2 * step;
        points.removeIf(p -> p.labelled() % coarser != 0);
        step = coarser;
      }
    }
  }

  /** Accuracy over the last window of labelled predictions; null before the first. */
  Double windowAccuracy() {
    return accuracy.count() == 0 ? null : accuracy.windowAccuracy();
  }

  long labelled() {
    return accuracy.count();
  }

  long step() {
    return step;
  }

  List<Point> points() {
    return List.copyOf(points);
  }
}
