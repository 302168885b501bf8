package dev.streamcl.scenario;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A text progress bar for long writes. On a terminal it redraws one line with carriage returns at
 * most a few times per second; elsewhere (a log file, CI) it prints a line at every 10%.
 */
public final class ProgressBar {
  private static final long REDRAW_NANOS = 250_000_000L;
  private static final int WIDTH = 30;

  private final PrintStream out;
  private final String label;
  private final long total;
  private final boolean interactive;
  private final long startNanos = System.nanoTime();
  private long lastDrawNanos = startNanos - REDRAW_NANOS; // nanoTime may be negative: never compare with 0
  private int lastDecile;

  public ProgressBar(PrintStream out, String label, long total, boolean interactive) {
    this.out = out;
    this.label = label;
    this.total = total;
    this.interactive = interactive;
  }

  /** A bar on stderr; redraws only when the JVM runs attached to a terminal. */
  public static ProgressBar onStderr(String label, long total) {
    return new ProgressBar(System.err, label, total, System.console() != null);
  }

  /** A bar that shows nothing, for callers that report by themselves. */
  public static ProgressBar silent() {
    return new ProgressBar(null, "", 0, false);
  }

  public void update(long done) {
    if (out == null || total <= 0) {
      return;
    }
    if (interactive) {
      long now = System.nanoTime();
      if (now - lastDrawNanos >= REDRAW_NANOS) {
        lastDrawNanos = now;
        out.print("\r" + line(done));
        out.flush();
      }
    } else {
      int decile = (int) (done * 10 / total);
      if (decile > lastDecile) {
        lastDecile = decile;
        out.println(line(done));
      }
    }
  }

  /** Draws the final state and ends the line. */
  public void finish(long done) {
    if (out == null || total <= 0) {
      return;
    }
    if (interactive) {
      out.println("\r" + line(done));
    } else if (done * 10 / total > lastDecile) {
      out.println(line(done));
    }
    out.flush();
  }

  String line(long done) {
    double fraction = Math.min(1.0, (double) done / total);
    int filled = (int) Math.round(fraction * WIDTH);
    double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
    return String.format(Locale.ROOT, "%s [%s%s] %3d%% %,d/%,d records, %,.0f records/s", label,
        "#".repeat(filled), "-".repeat(WIDTH - filled), (int) (fraction * 100), done, total, done / seconds);
  }
}
