package dev.streamcl.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcl.kafka.Topics;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The server without Kafka: the page, its script, uPlot from the WebJar, the JSON state and the event stream. */
class DashboardServerTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @Test
  @Timeout(60)
  void servesThePageUplotTheStateAndItsEvents() throws Exception {
    PipelineState state = new PipelineState(new Topics("served"));
    state.samplesTopic(Map.of(0, PartitionTail.unread(42)), 1_000);
    try (DashboardServer server = DashboardServer.serving(state, "127.0.0.1", 0)) {
      String base = "http://127.0.0.1:" + server.port();

      assertTrue(get(base + "/").body().contains("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js"));
      assertTrue(get(base + "/dashboard.js").body().contains("streamclDashboard"));
      HttpResponse<String> uplot = get(base + "/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
      assertTrue(uplot.body().length() > 10_000, "uPlot from the WebJar");
      assertEquals(200, get(base + "/webjars/uplot/1.6.30/dist/uPlot.min.css").statusCode());
      HttpResponse<String> json = get(base + "/state.json");
      assertTrue(json.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
      assertEquals("served", new ObjectMapper().readTree(json.body()).get("topicPrefix").asText());

      JsonNode pushed = firstEvent(base + "/events");
      assertEquals("served", pushed.get("topicPrefix").asText());
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), url);
    return response;
  }

  /** The data of the first {@code state} event on the stream. */
  private JsonNode firstEvent(String url) throws Exception {
    HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(url))
        .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      boolean stateEvent = false;
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.equals("event: state")) {
          stateEvent = true;
        } else if (stateEvent && line.startsWith("data: ")) {
          return new ObjectMapper().readTree(line.substring("data: ".length()));
        }
      }
    }
    throw new AssertionError("the event stream ended without a state event");
  }
}
