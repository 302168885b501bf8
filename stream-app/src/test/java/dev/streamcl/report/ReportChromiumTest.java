package dev.streamcl.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamcl.report.ReportData.LearnerReport;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opens the written report in headless Chromium: the embedded PNGs must decode and the table must render. */
class ReportChromiumTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final long TIMEOUT_SECONDS = 60;
  private static final Pattern ROW = Pattern.compile("<tr data-learner=\"([^\"]*)\"[^>]*>(.*?)</tr>", Pattern.DOTALL);
  private static final Pattern CELL = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL);

  @TempDir Path dir;

  private final ReportData data = SampleReports.threeLearners("blurry <&> \"x\"");

  @BeforeEach
  void needsChromium() {
    // CI installs it (.ci/run); only a machine without it skips.
    assumeTrue(Files.isExecutable(CHROMIUM), CHROMIUM + " is not installed");
  }

  @Test
  void everyImageDecodesAndEveryLearnerHasItsRow() throws Exception {
    Path html = ReportWriter.write(data, dir.resolve("report"));

    String dom = chromium(html, "--dump-dom");

    long images = 1 + SampleReports.matrixCount(data);
    assertEquals(images + "/" + images, bodyAttribute(dom, "data-images-loaded"), "images decoded by the browser");
    assertImagePresent(dom, "accuracy-chart");
    for (LearnerReport learner : data.learners()) {
      if (learner.matrix() != null) assertImagePresent(dom, "matrix-" + learner.learner());
    }
    Map<String, List<String>> rows = summaryRows(dom);
    assertEquals(data.learners().size(), rows.size(), rows.keySet().toString());
    for (LearnerReport learner : data.learners()) {
      assertEquals(SampleReports.expectedCells(learner), rows.get(learner.learner()), learner.learner());
    }
  }

  @Test
  void screenshotShowsTheCharts() throws Exception {
    Path html = ReportWriter.write(data, dir.resolve("report"));
    Path screenshot = dir.resolve("screenshot.png");

    chromium(html, "--screenshot=" + screenshot, "--window-size=1200,2000", "--hide-scrollbars");

    assertTrue(Files.isRegularFile(screenshot), "no screenshot");
    BufferedImage image = ImageIO.read(screenshot.toFile());
    assertNotNull(image, "screenshot does not decode");
    assertTrue(hasSaturatedPixel(image), "screenshot has no coloured pixel: the charts did not paint");
  }

  /** Runs Chromium on the page and returns its stdout; both streams go to files so neither pipe can fill. */
  private String chromium(Path html, String... action) throws IOException, InterruptedException {
    Path profile = Files.createDirectories(dir.resolve("chromium-profile"));
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run",
        "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
    command.addAll(List.of(action));
    command.add(html.toUri().toString());
    Path stdout = dir.resolve("chromium.out");
    Path stderr = dir.resolve("chromium.err");
    Process chromium = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
        .start();
    if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      stop(chromium);
      fail("chromium did not finish within " + TIMEOUT_SECONDS + " s; stderr:\n" + tail(stderr));
    }
    assertEquals(0, chromium.exitValue(), "chromium failed; stderr:\n" + tail(stderr));
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  /** Chromium forks renderer and utility processes; end them with it. */
  private static void stop(Process chromium) throws InterruptedException {
    chromium.descendants().forEach(ProcessHandle::destroyForcibly);
    chromium.destroyForcibly();
    chromium.waitFor(10, TimeUnit.SECONDS);
  }

  private static String tail(Path file) throws IOException {
    String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    return text.substring(Math.max(0, text.length() - 4000));
  }

  private static String bodyAttribute(String dom, String attribute) {
    Matcher body = Pattern.compile("<body[^>]*\\s" + attribute + "=\"([^\"]*)\"").matcher(dom);
    assertTrue(body.find(), "body has no " + attribute + " (the load handler did not run)");
    return body.group(1);
  }

  private static void assertImagePresent(String dom, String id) {
    Pattern img = Pattern.compile("<img[^>]*\\sid=\"" + Pattern.quote(SampleReports.escaped(id)) + "\"");
    assertTrue(img.matcher(dom).find(), "no img#" + id);
  }

  /** Learner name to its cells' text, entities decoded (Chromium re-serializes the markup its own way). */
  private static Map<String, List<String>> summaryRows(String dom) {
    Map<String, List<String>> rows = new HashMap<>();
    Matcher row = ROW.matcher(dom);
    while (row.find()) {
      List<String> cells = new ArrayList<>();
      Matcher cell = CELL.matcher(row.group(2));
      while (cell.find()) cells.add(unescaped(cell.group(1)));
      rows.put(unescaped(row.group(1)), cells);
    }
    return rows;
  }

  private static String unescaped(String html) {
    return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
        .replace("&nbsp;", "\u00a0").replace("&amp;", "&");
  }

  private static boolean hasSaturatedPixel(BufferedImage image) {
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        int rgb = image.getRGB(x, y);
        int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
        if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 100) return true;
      }
    }
    return false;
  }
}
