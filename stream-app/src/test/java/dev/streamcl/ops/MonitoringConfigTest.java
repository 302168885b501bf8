package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcl.cli.LocalMonitoring;
import dev.streamcl.serving.ServingMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * ops/prometheus and ops/grafana: Prometheus's own promtool checks the scrape configuration and the syntax of every
 * query of the Grafana dashboard (as recording rules); the dashboard's structure is checked here (Grafana itself is
 * not packaged for Debian). MetricsEndpointsTest checks that the metrics the queries name are exported.
 */
class MonitoringConfigTest {
  private static final Path OPS = Path.of("..", "ops");
  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final Path DASHBOARD = OPS.resolve("grafana/streamcl-dashboard.json");
  private static final Path SCRAPE_CONFIG = OPS.resolve("prometheus/prometheus.yml");

  @Test
  @SuppressWarnings("unchecked")
  void prometheusScrapesTheLearnerJobAndServingOnTheirDefaultPorts() throws Exception {
    Map<String, Object> config = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(SCRAPE_CONFIG));
    Map<String, List<String>> targets = new java.util.TreeMap<>();
    for (Map<String, Object> job : (List<Map<String, Object>>) config.get("scrape_configs")) {
      List<String> all = new ArrayList<>();
      for (Map<String, Object> group : (List<Map<String, Object>>) job.get("static_configs")) {
        all.addAll((List<String>) group.get("targets"));
      }
      targets.put((String) job.get("job_name"), all);
    }
    assertEquals(Set.of("streamcl-learner", "streamcl-serving"), targets.keySet());
    assertTrue(targets.get("streamcl-learner").contains("localhost:" + LocalMonitoring.DEFAULT_METRICS_PORT));
    assertEquals(List.of("localhost:" + ServingMetrics.DEFAULT_PORT), targets.get("streamcl-serving"));
    assertEquals("", promtool("check", "config", SCRAPE_CONFIG.toString()));
  }

  @Test
  void everyDashboardQueryIsValidPromQl() throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n  - name: streamcl-dashboard\n    rules:\n");
    int n = 0;
    for (JsonNode panel : new ObjectMapper().readTree(DASHBOARD.toFile()).get("panels")) {
      for (JsonNode target : panel.path("targets")) {
        rules.append("      - record: streamcl:dashboard_query_").append(n++).append('\n')
            .append("        expr: '").append(target.get("expr").asText().replace("'", "''")).append("'\n");
      }
    }
    assertTrue(n >= 10, n + " queries");
    Path file = Files.createTempFile("streamcl-dashboard-queries", ".yml");
    try {
      Files.writeString(file, rules);
      assertEquals("", promtool("check", "rules", file.toString()));
    } finally {
      Files.delete(file);
    }
  }

  @Test
  void theGrafanaDashboardIsWellFormed() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    assertEquals("streamcl", dashboard.get("uid").asText());
    assertFalse(dashboard.get("title").asText().isBlank());
    assertTrue(dashboard.get("schemaVersion").asInt() >= 36, "a dashboard of Grafana 9 or later");
    assertEquals("DS_PROMETHEUS", dashboard.get("__inputs").get(0).get("name").asText(),
        "the data source is chosen at import");
    Set<Integer> ids = new HashSet<>();
    List<int[]> cells = new ArrayList<>();
    int queries = 0;
    for (JsonNode panel : dashboard.get("panels")) {
      String title = panel.get("title").asText();
      assertTrue(ids.add(panel.get("id").asInt()), "panel id " + panel.get("id") + " twice");
      JsonNode grid = panel.get("gridPos");
      int[] cell = {grid.get("x").asInt(), grid.get("y").asInt(), grid.get("w").asInt(), grid.get("h").asInt()};
      assertTrue(cell[0] >= 0 && cell[2] > 0 && cell[0] + cell[2] <= 24 && cell[3] > 0, title + ": outside the grid");
      for (int[] other : cells) {
        boolean apart = cell[0] + cell[2] <= other[0] || other[0] + other[2] <= cell[0]
            || cell[1] + cell[3] <= other[1] || other[1] + other[3] <= cell[1];
        assertTrue(apart, title + " overlaps another panel");
      }
      cells.add(cell);
      if (panel.get("type").asText().equals("row")) {
        continue;
      }
      assertTrue(Set.of("timeseries", "stat", "gauge", "table").contains(panel.get("type").asText()), title);
      assertEquals("${DS_PROMETHEUS}", panel.get("datasource").get("uid").asText(), title);
      Set<String> refIds = new HashSet<>();
      for (JsonNode target : panel.get("targets")) {
        assertTrue(refIds.add(target.get("refId").asText()), title + ": refId twice");
        assertFalse(target.get("expr").asText().isBlank(), title);
        queries++;
      }
      assertFalse(refIds.isEmpty(), title + " has no query");
    }
    assertTrue(queries >= 10, queries + " queries");
  }

  /** Runs Prometheus's promtool; returns what it printed on stderr (empty when all is well). */
  private static String promtool(String... args) throws Exception {
    assertTrue(Files.isExecutable(PROMTOOL), "promtool is missing: apt-get install prometheus");
    List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(args));
    Path err = Files.createTempFile("promtool", ".err");
    try {
      Process process = new ProcessBuilder(command).redirectError(err.toFile())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
      String stderr = Files.readString(err, StandardCharsets.UTF_8);
      assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + stderr);
      return stderr.strip();
    } finally {
      Files.delete(err);
    }
  }
}
