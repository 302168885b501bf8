package dev.streamcl.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

/** The Debian {@code chromium} binary, headless, opening a written report; and readers of what it rendered. */
public final class HeadlessChromium {
  public static final Path BINARY = Path.of("/usr/bin/chromium");
  private static final long TIMEOUT_SECONDS = 60;
  private static final Pattern ROW = Pattern.compile("<tr data-learner=\"([^\"]*)\"[^>]*>(.*?)</tr>", Pattern.DOTALL);
  private static final Pattern CELL = Pattern.compile("<td[^>]*>(.*?)</td>", Pattern.DOTALL);

  private final Path workDir;

  /** @param workDir a scratch folder for the browser profile and its output */
  public HeadlessChromium(Path workDir) {
    this.workDir = workDir;
  }

  public static boolean installed() {
    return Files.isExecutable(BINARY);
  }

  /** The DOM after the page loaded (and its scripts ran). */
  public String dumpDom(Path html) throws IOException, InterruptedException {
    return run(html, "--dump-dom");
  }

  /** Runs Chromium on the page and returns its stdout; both streams go to files so neither pipe can fill. */
  public String run(Path html, String... action) throws IOException, InterruptedException {
    Path profile = Files.createDirectories(workDir.resolve("chromium-profile"));
    List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run",
        "--user-data-dir=" + profile, "--virtual-time-budget=5000"));
    command.addAll(List.of(action));
    command.add(html.toUri().toString());
    Path stdout = workDir.resolve("chromium.out");
    Path stderr = workDir.resolve("chromium.err");
    Process chromium = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile())
        .start();
    if (!chromium.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      stop(chromium);
      fail("chromium did not finish within " + TIMEOUT_SECONDS + " s; stderr:\n" + tail(stderr));
    }
    assertEquals(0, chromium.exitValue(), "chromium failed; stderr:\n" + tail(stderr));
    return Files.readString(stdout, StandardCharsets.UTF_8);
  }

  /** The value of an attribute of the rendered body, failing when it is absent. */
  public static String bodyAttribute(String dom, String attribute) {
    Matcher body = Pattern.compile("<body[^>]*\\s" + attribute + "=\"([^\"]*)\"").matcher(dom);
    assertTrue(body.find(), "body has no " + attribute + " (the load handler did not run)");
    return body.group(1);
  }

  /** Whether an {@code <img>} with this id was rendered. */
  public static boolean hasImage(String dom, String id) {
    return Pattern.compile("<img[^>]*\\sid=\"" + Pattern.quote(SampleReports.escaped(id)) + "\"").matcher(dom).find();
  }

  /** Learner name to its summary cells' text, entities decoded (Chromium re-serializes the markup its own way). */
  public static Map<String, List<String>> summaryRows(String dom) {
    Map<String, List<String>> rows = new HashMap<>();
    Matcher row = ROW.matcher(dom);
    while (row.find()) {
      List<String> cells = new ArrayList<>();
      Matcher cell = CELL.matcher(row.group(2));
      while (cell.find()) {
        cells.add(unescaped(cell.group(1)));
      }
      rows.put(unescaped(row.group(1)), cells);
    }
    return rows;
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

  private static String unescaped(String html) {
    return html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'")
        .replace("&nbsp;", "\u00a0").replace("&amp;", "&");
  }
}
