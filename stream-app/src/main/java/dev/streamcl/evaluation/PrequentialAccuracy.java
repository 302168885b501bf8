package dev.streamcl.evaluation;

/**
 * Prequential (test-then-train) accuracy: accuracy over a sliding window of the last W outcomes,
 * maintained in O(1) per update with a ring buffer, plus the running overall accuracy.
 * Not thread-safe.
 */
public final class PrequentialAccuracy {
  private final boolean[] window;
  private int next;          // ring-buffer slot to overwrite next
  private int inWindow;      // number of valid slots (≤ W)
  private int windowCorrect; // correct outcomes currently in the window
  private long count;
  private long correctTotal;

  public PrequentialAccuracy(int windowSize) {
    if (windowSize < 1) {
      throw new IllegalArgumentException("windowSize must be >= 1, got " + windowSize);
    }
    window = new boolean[windowSize];
  }

  /** Adds one outcome (was the prediction correct?). O(1). */
  public void add(boolean correct) {
    if (inWindow == window.length) {
      if (window[next]) {
        windowCorrect--;
      }
    } else {
      inWindow++;
    }
    window[next] = correct;
    if (correct) {
      windowCorrect++;
      correctTotal++;
    }
    next = (next + 1) % window.length;
    count++;
  }

  /** Accuracy over the last min(W, count) outcomes; NaN before the first outcome. */
  public double windowAccuracy() {
    return inWindow == 0 ? Double.NaN : (double) windowCorrect / inWindow;
  }

  /** Accuracy over all outcomes so far; NaN before the first outcome. */
  public double overallAccuracy() {
    return count == 0 ? Double.NaN : (double) correctTotal / count;
  }

  /** Total outcomes added. */
  public long count() {
    return count;
  }

  public int windowSize() {
    return window.length;
  }
}
