package dev.streamcl.report;

import dev.streamcl.report.ReportData.LearnerReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;

/**
 * Writes an experiment report into a directory: {@code accuracy.png}, {@code matrix-<learner>.png}
 * per learner with an accuracy matrix, and a self-contained {@code index.html} embedding them.
 */
public final class ReportWriter {
  static final String HTML_FILE = "index.html";
  static final String ACCURACY_FILE = "accuracy.png";

  private ReportWriter() {}

  /** Returns the path of {@code index.html}. */
  public static Path write(ReportData data, Path directory) {
    return write(data, directory, List.of());
  }

  /** The same, with {@code extra} sections (benchmark figures, say) after the charts. */
  public static Path write(ReportData data, Path directory, List<ReportSection> extra) {
    ensureHeadless();
    try {
      Files.createDirectories(directory);
      ReportPage.Image accuracy = render(AccuracyChart.of(data), AccuracyChart.WIDTH, AccuracyChart.HEIGHT,
          directory.resolve(ACCURACY_FILE), "accuracy-chart", accuracyAltText(data));
      List<ReportPage.Image> matrices = renderMatrices(data, directory);
      Path html = directory.resolve(HTML_FILE);
      Files.writeString(html, ReportPage.html(data, accuracy, matrices, extra), StandardCharsets.UTF_8);
      return html;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report into " + directory, e);
    }
  }

  /** The charts render with no display; must happen before anything touches the AWT toolkit. */
  private static void ensureHeadless() {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static List<ReportPage.Image> renderMatrices(ReportData data, Path directory) throws IOException {
    List<ReportPage.Image> images = new ArrayList<>();
    Set<String> usedNames = new HashSet<>();
    for (LearnerReport learner : data.learners()) {
      if (learner.matrix() == null) {
        continue;
      }
      String name = "matrix-" + uniqueFileSafe(learner.learner(), usedNames);
      images.add(render(MatrixHeatmap.of(learner.learner(), learner.matrix()), MatrixHeatmap.WIDTH,
          MatrixHeatmap.HEIGHT, directory.resolve(name + ".png"), name, matrixAltText(learner)));
    }
    return images;
  }

  /** Saves the PNG, then embeds exactly the bytes on disk. */
  private static ReportPage.Image render(JFreeChart chart, int width, int height, Path png, String id, String alt)
      throws IOException {
    ChartUtils.saveChartAsPNG(png.toFile(), chart, width, height);
    return new ReportPage.Image(id, alt, Files.readAllBytes(png));
  }

  /**
   * A learner's name as a file name and element id: characters other than letters, digits, '.', '_'
   * and '-' become '_' (so no path separators or markup); a clash with an earlier learner gets "-2", "-3"...
   */
  static String uniqueFileSafe(String learner, Set<String> used) {
    String base = learner.replaceAll("[^A-Za-z0-9._-]", "_");
    String name = base;
    for (int n = 2; !used.add(name); n++) {
      name = base + "-" + n;
    }
    return name;
  }

  private static String accuracyAltText(ReportData data) {
    List<String> names = data.learners().stream().map(LearnerReport::learner).toList();
    return "Accuracy vs samples seen for " + String.join(", ", names)
        + ": whole test set at evaluated versions and prequential sliding window";
  }

  private static String matrixAltText(LearnerReport learner) {
    return "Accuracy matrix of " + learner.learner() + ": accuracy on task id j after training through task id i";
  }
}
