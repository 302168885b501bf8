package dev.streamcl.report;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.report.ReportData.LearnerReport;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
  private static final String ODD_NAME = "blurry <&> \"x\"";
  private static final String ODD_NAME_ESCAPED = "blurry &lt;&amp;&gt; &quot;x&quot;";

  @TempDir Path dir;

  private final ReportData data = SampleReports.threeLearners(ODD_NAME);

  @Test
  void writesAccuracyChartAndOneHeatmapPerLearnerWithAMatrix() throws IOException {
    Path html = ReportWriter.write(data, dir.resolve("report"));

    assertEquals(dir.resolve("report").resolve("index.html"), html);
    assertDecodes(html.resolveSibling("accuracy.png"), 800, 400);
    assertDecodes(html.resolveSibling("matrix-nmc.png"), 400, 400);
    assertDecodes(html.resolveSibling("matrix-er.png"), 400, 400);
    assertEquals(SampleReports.matrixCount(data), matrixFiles(html.getParent()).size(),
        "no heatmap for the task-free learner: " + matrixFiles(html.getParent()));
  }

  @Test
  void embedsTheSamePngBytesThatItWrote() throws IOException {
    String html = Files.readString(ReportWriter.write(data, dir), StandardCharsets.UTF_8);

    assertEquals(base64Of(dir.resolve("accuracy.png")), embeddedImage(html, "accuracy-chart"));
    assertEquals(base64Of(dir.resolve("matrix-nmc.png")), embeddedImage(html, "matrix-nmc"));
    assertEquals(base64Of(dir.resolve("matrix-er.png")), embeddedImage(html, "matrix-er"));
    assertEquals(1 + SampleReports.matrixCount(data), count(html, "<img "));
  }

  @Test
  void pageIsSelfContained() throws IOException {
    String html = Files.readString(ReportWriter.write(data, dir), StandardCharsets.UTF_8);

    assertAll(
        () -> assertFalse(html.contains("<link"), "no linked stylesheets or fonts"),
        () -> assertFalse(html.contains("@import"), "no imported CSS"),
        () -> assertFalse(Pattern.compile("<script[^>]*\\ssrc=").matcher(html).find(), "no external scripts"),
        () -> assertFalse(Pattern.compile("src=\"(?!data:image/png;base64,)").matcher(html).find(),
            "every src is a data: URI"),
        () -> assertTrue(html.contains("<style>")),
        () -> assertTrue(html.contains("imagesLoaded")));
  }

  @Test
  void summaryRowShowsEachLearnersFigures() throws IOException {
    String html = Files.readString(ReportWriter.write(data, dir), StandardCharsets.UTF_8);

    for (LearnerReport learner : data.learners()) {
      String row = summaryRow(html, SampleReports.escaped(learner.learner()));
      for (String cell : SampleReports.expectedCells(learner)) {
        assertTrue(row.contains(">" + SampleReports.escaped(cell) + "</td>"),
            learner.learner() + " row lacks " + cell + ": " + row);
      }
    }
  }

  @Test
  void extraSectionsFollowTheChartsVerbatimAndEscaped() throws IOException {
    String table = "run   samples/s\nnmc   45,000 <&>";
    String html = Files.readString(ReportWriter.write(data, dir, List.of(new ReportSection("bench",
        "Throughput", table))), StandardCharsets.UTF_8);

    String expected = "<h2>Throughput</h2>\n<pre id=\"bench\">run   samples/s\nnmc   45,000 &lt;&amp;&gt;</pre>";
    assertTrue(html.contains(expected), html);
    assertTrue(html.indexOf("<pre id=\"bench\">") > html.lastIndexOf("<img "), "after the charts");
  }

  @Test
  void headerShowsTheExperiment() throws IOException {
    String html = Files.readString(ReportWriter.write(data, dir), StandardCharsets.UTF_8);

    assertTrue(html.contains("<title>" + SampleReports.escaped(data.title()) + "</title>"), "escaped title");
    assertTrue(html.contains(data.scenario()));
    assertTrue(html.contains(data.streamId()));
    assertTrue(html.contains(">" + data.seed() + "<"));
  }

  @Test
  void escapesLearnerNamesEverywhere() throws IOException {
    String html = Files.readString(ReportWriter.write(data, dir), StandardCharsets.UTF_8);

    assertTrue(html.contains("<tr data-learner=\"" + ODD_NAME_ESCAPED + "\">"));
    assertTrue(html.contains("<td>" + ODD_NAME_ESCAPED + "</td>"));
    assertFalse(html.contains("<&>"), "raw markup from a learner name");
  }

  @Test
  void oddLearnerNamesGiveSafeDistinctFileNames() throws IOException {
    ReportData odd = SampleReports.threeLearners("x");
    List<LearnerReport> renamed =
        List.of(rename(odd.learners().get(0), "../a/b"), rename(odd.learners().get(1), ".._a_b"));
    ReportData clash =
        new ReportData(odd.title(), odd.scenario(), odd.streamId(), odd.seed(), odd.taskStarts(), renamed);

    Path html = ReportWriter.write(clash, dir);

    List<Path> matrices = matrixFiles(dir);
    assertEquals(2, matrices.size(), matrices.toString());
    for (Path m : matrices) {
      assertEquals(dir, m.getParent());
    }
    String page = Files.readString(html, StandardCharsets.UTF_8);
    for (Path m : matrices) {
      String id = m.getFileName().toString().replace(".png", "");
      assertEquals(base64Of(m), embeddedImage(page, id));
    }
  }

  @Test
  void summaryTableHasHeaderRuleAndOneAlignedLinePerLearner() {
    List<String> lines = SummaryTable.format(data).lines().toList();

    assertEquals(2 + data.learners().size(), lines.size(), String.join("\n", lines));
    for (String header : List.of("learner", "final accuracy", "macro accuracy", "BWT", "samples/s",
        "model versions")) {
      assertTrue(lines.get(0).contains(header), lines.get(0));
    }
    assertTrue(lines.get(1).matches("-+"), lines.get(1));
    for (int i = 0; i < data.learners().size(); i++) {
      LearnerReport learner = data.learners().get(i);
      String line = lines.get(2 + i);
      assertTrue(line.startsWith(learner.learner() + " "), line);
      for (String cell : SampleReports.expectedCells(learner)) {
        assertTrue(line.contains(cell), line + " lacks " + cell);
      }
    }
    // Numbers are right-aligned, so every line ends where the rule ends.
    for (String line : lines) {
      assertEquals(lines.get(1).length(), line.length(), line);
    }
  }

  private static LearnerReport rename(LearnerReport l, String name) {
    return new LearnerReport(name, l.testAccuracy(), l.prequential(), l.matrix(), l.metrics(), l.finalAccuracy(),
        l.finalMacroAccuracy(), l.samplesPerSecond(), l.modelVersions());
  }

  private static void assertDecodes(Path png, int minWidth, int minHeight) throws IOException {
    assertTrue(Files.isRegularFile(png), png + " missing");
    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image, png + " does not decode");
    assertTrue(image.getWidth() >= minWidth && image.getHeight() >= minHeight,
        png + " is " + image.getWidth() + "x" + image.getHeight());
  }

  private static List<Path> matrixFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().matches("matrix-.*\\.png")).toList();
    }
  }

  private static String base64Of(Path file) throws IOException {
    return Base64.getEncoder().encodeToString(Files.readAllBytes(file));
  }

  /** The base64 payload of the img with this id. */
  private static String embeddedImage(String html, String id) {
    Matcher m = Pattern.compile("<img id=\"" + Pattern.quote(id) + "\"[^>]*\\ssrc=\"data:image/png;base64,([^\"]+)\"")
        .matcher(html);
    assertTrue(m.find(), "no img#" + id);
    return m.group(1);
  }

  private static String summaryRow(String html, String escapedLearner) {
    int start = html.indexOf("<tr data-learner=\"" + escapedLearner + "\">");
    assertTrue(start >= 0, "no summary row for " + escapedLearner);
    return html.substring(start, html.indexOf("</tr>", start));
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
