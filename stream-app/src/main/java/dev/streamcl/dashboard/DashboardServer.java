package dev.streamcl.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import io.javalin.Javalin;
import io.javalin.http.ContentType;
import io.javalin.http.sse.SseClient;
import io.javalin.http.staticfiles.Location;
import io.javalin.util.JavalinBindException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard: a web page of a running pipeline ({@code /}), its state as JSON ({@code /state.json}), the same
 * state pushed to open pages as server-sent events ({@code /events}, event {@code state}, every
 * {@value #PUSH_EVERY_MS} ms), and uPlot from its WebJar, so the page loads nothing from the internet.
 */
public final class DashboardServer implements AutoCloseable {
  static final long PUSH_EVERY_MS = 500;
  /** Where index.html and dashboard.js lie on the classpath. */
  private static final String PAGE = "/dev/streamcl/dashboard/web";
  private static final Logger LOG = LoggerFactory.getLogger(DashboardServer.class);

  private final PipelineState state;
  private final PipelineWatch watch;
  private final ObjectMapper json = new ObjectMapper();
  private final Set<SseClient> pages = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "dashboard-push");
    thread.setDaemon(true);
    return thread;
  });
  private final Javalin app;

  private DashboardServer(PipelineState state, PipelineWatch watch, String host, int port) {
    this.state = state;
    this.watch = watch;
    Javalin created = Javalin.create(config -> {
      config.startup.showJavalinBanner = false;
      config.staticFiles.enableWebjars();
      config.staticFiles.add(PAGE, Location.CLASSPATH);
      config.routes.get("/state.json", ctx -> ctx.contentType(ContentType.JSON).result(stateJson()));
      config.routes.sse("/events", page -> {
        page.keepAlive(); // the connection stays open after this handler returns; push() writes to it
        page.onClose(() -> pages.remove(page));
        pages.add(page);
      });
    });
    try {
      app = created.start(host, port);
    } catch (JavalinBindException e) {
      pusher.shutdownNow();
      throw new IllegalArgumentException("Cannot serve the dashboard on " + host + ":" + port + " ("
          + e.getMessage() + "): pass another --port, or 0 for any free one", e);
    }
    pusher.scheduleAtFixedRate(this::push, 0, PUSH_EVERY_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Follows the topics of {@code topics} on the cluster of {@code clients} and serves what it reads on
   * {@code host:port} (port 0: any free port, see {@link #port()}).
   */
  public static DashboardServer start(ClientConfigs clients, Topics topics, String host, int port) {
    PipelineState state = new PipelineState(topics);
    PipelineWatch watch = PipelineWatch.start(clients, topics, state);
    try {
      return new DashboardServer(state, watch, host, port);
    } catch (RuntimeException e) {
      watch.close();
      throw e;
    }
  }

  /** Serves a state that the caller feeds (no Kafka). */
  public static DashboardServer serving(PipelineState state, String host, int port) {
    return new DashboardServer(state, null, host, port);
  }

  public int port() {
    return app.port();
  }

  /** The page's address on this machine. */
  public String url() {
    return "http://localhost:" + port() + "/";
  }

  String stateJson() {
    try {
      return json.writeValueAsString(state.snapshot(System.currentTimeMillis()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Cannot write the dashboard state as JSON", e);
    }
  }

  /** Sends the state to every open page; a page that went away is forgotten. */
  private void push() {
    if (pages.isEmpty()) {
      return;
    }
    try {
      String current = stateJson();
      for (SseClient page : pages) {
        if (page.terminated()) {
          pages.remove(page);
        } else {
          page.sendEvent("state", current);
        }
      }
    } catch (RuntimeException e) {
      // A scheduled task that throws is never run again: log and push next time.
      LOG.warn("Could not push the dashboard state: {}", e.toString());
    }
  }

  @Override
  public void close() {
    pusher.shutdownNow();
    pages.forEach(SseClient::close);
    app.stop();
    if (watch != null) {
      watch.close();
    }
  }
}
