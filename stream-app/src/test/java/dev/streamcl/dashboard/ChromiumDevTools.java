package dev.streamcl.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamcl.report.HeadlessChromium;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Debian Chromium driven over the Chrome DevTools Protocol: launched with a DevTools port of its choosing
 * (read back from its stderr), one page target attached over a {@link WebSocket} (flat sessions), then navigate,
 * evaluate JavaScript and take screenshots. Closing kills the browser and the processes it forked.
 */
final class ChromiumDevTools implements AutoCloseable {
  private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(250);

  private final Process chromium;
  private final Path stderr;
  private final ObjectMapper json = new ObjectMapper();
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private WebSocket socket;
  private String session;

  private ChromiumDevTools(Process chromium, Path stderr) {
    this.chromium = chromium;
    this.stderr = stderr;
  }

  /** Starts Chromium with a fresh profile in {@code workDir} and attaches to its blank page. */
  static ChromiumDevTools launch(Path workDir, Duration startup) throws IOException, InterruptedException {
    Path profile = Files.createDirectories(workDir.resolve("chromium-profile"));
    Path err = workDir.resolve("chromium.err");
    List<String> command = List.of(HeadlessChromium.BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking", "--hide-scrollbars",
        "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank");
    // Both streams to files: neither pipe can fill and stall the browser.
    Process process = new ProcessBuilder(command).redirectOutput(workDir.resolve("chromium.out").toFile())
        .redirectError(err.toFile()).start();
    ChromiumDevTools browser = new ChromiumDevTools(process, err);
    try {
      browser.connect(browser.awaitDevToolsAddress(startup));
      browser.attachToPage();
      return browser;
    } catch (IOException | InterruptedException | RuntimeException e) {
      browser.close();
      throw e;
    }
  }

  /** Lays the page out at this size (CSS pixels), as a desktop browser window would be. */
  void viewport(int width, int height) {
    ObjectNode params = json.createObjectNode().put("width", width).put("height", height)
        .put("deviceScaleFactor", 1).put("mobile", false);
    call("Emulation.setDeviceMetricsOverride", params);
  }

  void navigate(String url) {
    JsonNode result = call("Page.navigate", json.createObjectNode().put("url", url));
    if (result.hasNonNull("errorText")) {
      throw new IllegalStateException("Chromium could not open " + url + ": " + result.get("errorText").asText());
    }
  }

  /** The value of a JavaScript expression evaluated in the page (JSON-serializable values only). */
  JsonNode evaluate(String expression) {
    JsonNode result = call("Runtime.evaluate", json.createObjectNode().put("expression", expression)
        .put("returnByValue", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("'" + expression + "' threw in the page: " + result.get("exceptionDetails"));
    }
    JsonNode value = result.path("result").get("value");
    return value == null ? json.nullNode() : value;
  }

  /**
   * Evaluates {@code expression} until its value satisfies {@code done}, and returns that value; fails after
   * {@code timeout} with the last value seen. An expression that throws (the page is still loading) is tried again.
   */
  JsonNode await(String expression, Predicate<JsonNode> done, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "nothing";
    while (System.nanoTime() < deadline) {
      try {
        JsonNode value = evaluate(expression);
        if (done.test(value)) {
          return value;
        }
        last = value.toString();
      } catch (IllegalStateException notYet) {
        last = notYet.getMessage();
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    throw new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for " + what + "; the page's last "
        + "answer to " + expression + " was " + last);
  }

  /** A PNG of the whole page, beyond the viewport too. */
  byte[] screenshot() {
    JsonNode size = call("Page.getLayoutMetrics", json.createObjectNode()).get("cssContentSize");
    ObjectNode clip = json.createObjectNode().put("x", 0).put("y", 0)
        .put("width", Math.ceil(size.get("width").asDouble())).put("height", Math.ceil(size.get("height").asDouble()))
        .put("scale", 1);
    ObjectNode params = json.createObjectNode().put("format", "png").put("captureBeyondViewport", true);
    params.set("clip", clip);
    return Base64.getDecoder().decode(call("Page.captureScreenshot", params).get("data").asText());
  }

  private String awaitDevToolsAddress(Duration startup) throws IOException {
    long deadline = System.nanoTime() + startup.toNanos();
    while (true) {
      String text = Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
      Matcher listening = LISTENING.matcher(text);
      if (listening.find()) {
        return listening.group(1);
      }
      if (!chromium.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("Chromium " + (chromium.isAlive() ? "did not open its DevTools port within "
            + startup.toSeconds() + " s" : "exited with " + chromium.exitValue()) + "; stderr:\n" + tail(text));
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
  }

  private void connect(String address) throws InterruptedException {
    try {
      socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(address), new Listener())
          .get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Cannot connect to Chromium's DevTools at " + address, e);
    }
  }

  /** Attaches to the page Chromium opened (about:blank); later page commands go to its session. */
  private void attachToPage() {
    String target = null;
    for (JsonNode info : call("Target.getTargets", json.createObjectNode()).get("targetInfos")) {
      if (info.get("type").asText().equals("page")) {
        target = info.get("targetId").asText();
      }
    }
    if (target == null) {
      target = call("Target.createTarget", json.createObjectNode().put("url", "about:blank")).get("targetId")
          .asText();
    }
    session = call("Target.attachToTarget", json.createObjectNode().put("targetId", target).put("flatten", true))
        .get("sessionId").asText();
    call("Page.enable", json.createObjectNode());
    call("Runtime.enable", json.createObjectNode());
  }

  /** Sends one command (to the page's session once attached) and waits for its result. */
  private JsonNode call(String method, ObjectNode params) {
    long id = ids.incrementAndGet();
    ObjectNode message = json.createObjectNode().put("id", id).put("method", method);
    message.set("params", params);
    if (session != null) {
      message.put("sessionId", session);
    }
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    try {
      socket.sendText(message.toString(), true).get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      JsonNode reply = answer.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (reply.has("error")) {
        throw new IllegalStateException(method + " failed: " + reply.get("error"));
      }
      return reply.get("result");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted during " + method, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("No answer from Chromium to " + method + " within "
          + COMMAND_TIMEOUT.toSeconds() + " s", e);
    } finally {
      pending.remove(id);
    }
  }

  @Override
  public void close() {
    if (socket != null) {
      socket.abort();
    }
    // Chromium forks renderer, GPU and utility processes: end them with it.
    chromium.descendants().forEach(ProcessHandle::destroyForcibly);
    chromium.destroyForcibly();
    try {
      chromium.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String tail(String text) {
    return text.substring(Math.max(0, text.length() - 4000));
  }

  /** Joins the frames of each message and hands answers to the commands waiting for them; events are ignored. */
  private final class Listener implements WebSocket.Listener {
    private final StringBuilder message = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      message.append(data);
      if (last) {
        answered(message.toString());
        message.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      pending.values().forEach(answer -> answer.completeExceptionally(error));
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      IllegalStateException closed = new IllegalStateException("Chromium closed DevTools: " + statusCode + " "
          + reason);
      pending.values().forEach(answer -> answer.completeExceptionally(closed));
      return null;
    }

    private void answered(String text) {
      try {
        JsonNode reply = json.readTree(text);
        if (reply.has("id")) {
          CompletableFuture<JsonNode> answer = pending.get(reply.get("id").asLong());
          if (answer != null) {
            answer.complete(reply);
          }
        }
      } catch (IOException e) {
        pending.values().forEach(answer -> answer.completeExceptionally(e));
      }
    }
  }
}
