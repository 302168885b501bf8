package dev.streamcl.drift;

/**
 * Drift in one learner's prequential (test-then-train) error: an {@link Adwin} over the 0/1 errors of its labelled
 * predictions, and the rule that tells drift from learning. ADWIN reports every change of the mean error, and a
 * learner that learns makes its error fall all the time, gradually; drift is what the learner did not cause:
 * <ul>
 *   <li>the error rises (new classes or a new input distribution the model has not learned), or</li>
 *   <li>the error falls suddenly after a steady stretch: the older side of ADWIN's cut holds at least
 *       {@link #STEADY} samples and the newer at most {@link #SUDDEN} (the stream turned easier at once, as when
 *       Split-Fashion-MNIST moves from shirts to bags).</li>
 * </ul>
 * One drift usually shows as several cuts while the window re-forms, so a report is followed by
 * {@link #SETTLE} samples in which further cuts belong to the same drift.
 */
public final class PrequentialDriftDetector {
  public static final double DEFAULT_DELTA = 0.002;
  static final long STEADY = 2_000;
  static final long SUDDEN = 512;
  static final long SETTLE = 1_000;

  private final double delta;
  private Adwin adwin;
  private long lastReport = -SETTLE;

  public PrequentialDriftDetector(double delta) {
    this.delta = delta;
    this.adwin = new Adwin(delta);
  }

  /** One drift as reported: where, how much, and the windows it compares. */
  public record Drift(long sample, long samplesBefore, double errorBefore, long samplesAfter, double errorAfter) {
    public double magnitude() {
      return errorAfter - errorBefore;
    }
  }

  /**
   * Adds the outcome of one labelled prediction; returns the drift it revealed, or null. {@code sample} is the
   * 0-based count of labelled outcomes added before this one.
   */
  public Drift add(boolean wrong) {
    long sample = adwin.seen();
    Adwin.Change change = adwin.add(wrong ? 1 : 0);
    if (change == null || sample - lastReport < SETTLE || !isDrift(change)) {
      return null;
    }
    lastReport = sample;
    return new Drift(sample, change.olderSize(), change.olderMean(), change.newerSize(), change.newerMean());
  }

  private static boolean isDrift(Adwin.Change change) {
    return change.magnitude() > 0 || (change.olderSize() >= STEADY && change.newerSize() <= SUDDEN);
  }

  /** Mean error over ADWIN's current window (NaN before the first outcome). */
  public double windowError() {
    return adwin.mean();
  }

  public double delta() {
    return delta;
  }

  /** Labelled outcomes added so far. */
  public long seen() {
    return adwin.seen();
  }

  /** The exact state: the sample of the last report, then ADWIN's {@link Adwin#snapshot()}. */
  public double[] snapshot() {
    double[] window = adwin.snapshot();
    double[] out = new double[window.length + 1];
    out[0] = lastReport;
    System.arraycopy(window, 0, out, 1, window.length);
    return out;
  }

  public static PrequentialDriftDetector restore(double delta, double[] snapshot) {
    PrequentialDriftDetector detector = new PrequentialDriftDetector(delta);
    detector.lastReport = (long) snapshot[0];
    double[] window = new double[snapshot.length - 1];
    System.arraycopy(snapshot, 1, window, 0, window.length);
    detector.adwin = Adwin.restore(delta, window);
    return detector;
  }

  /** A short name of the method and its setting, recorded with every drift. */
  public String describe() {
    return "ADWIN(delta=" + delta + ") on prequential error";
  }
}
