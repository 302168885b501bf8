package dev.streamcl.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.report.ReportData.LearnerReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens the written report in headless Chromium: the embedded PNGs must decode and the table must render. */
class ReportChromiumTest {

  @TempDir Path dir;

  private final ReportData data = SampleReports.threeLearners("blurry <&> \"x\"");

  @BeforeEach
  void needsChromium() {
    // CI installs it (.ci/run), as the README's test command says.
    assertTrue(HeadlessChromium.installed(), HeadlessChromium.BINARY + " is missing: apt-get install chromium");
  }

  @Test
  void everyImageDecodesAndEveryLearnerHasItsRow() throws Exception {
    Path html = ReportWriter.write(data, dir.resolve("report"));

    String dom = new HeadlessChromium(dir).dumpDom(html);

    long images = 1 + SampleReports.matrixCount(data);
    assertEquals(images + "/" + images, HeadlessChromium.bodyAttribute(dom, "data-images-loaded"),
        "images decoded by the browser");
    assertTrue(HeadlessChromium.hasImage(dom, "accuracy-chart"), "no img#accuracy-chart");
    for (LearnerReport learner : data.learners()) {
      if (learner.matrix() != null) {
        assertTrue(HeadlessChromium.hasImage(dom, "matrix-" + learner.learner()), "no matrix of " + learner.learner());
      }
    }
    Map<String, List<String>> rows = HeadlessChromium.summaryRows(dom);
    assertEquals(data.learners().size(), rows.size(), rows.keySet().toString());
    for (LearnerReport learner : data.learners()) {
      assertEquals(SampleReports.expectedCells(learner), rows.get(learner.learner()), learner.learner());
    }
  }

  @Test
  void screenshotShowsTheCharts() throws Exception {
    Path html = ReportWriter.write(data, dir.resolve("report"));
    Path screenshot = dir.resolve("screenshot.png");

    new HeadlessChromium(dir).run(html, "--screenshot=" + screenshot, "--window-size=1200,2000", "--hide-scrollbars");

    assertTrue(Files.isRegularFile(screenshot), "no screenshot");
    BufferedImage image = ImageIO.read(screenshot.toFile());
    assertNotNull(image, "screenshot does not decode");
    assertTrue(hasSaturatedPixel(image), "screenshot has no coloured pixel: the charts did not paint");
  }

  private static boolean hasSaturatedPixel(BufferedImage image) {
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 100) {
          return true;
        }
      }
    }
    return false;
  }
}
