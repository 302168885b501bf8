package dev.streamcl.cli;

import dev.streamcl.ops.LocalPorts;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/**
 * What a local MiniCluster shows while it runs: Flink's web UI (flink-runtime-web) and its metrics for Prometheus
 * (Flink's PrometheusReporter: every operator metric, the learners' samples per second, busy time, published
 * versions, model size and prequential accuracy among them). A port of 0 asks for any free port, -1 for none; a
 * port in use gives way to the next free one of the following {@link #TRIES} (several jobs on one machine).
 */
public record LocalMonitoring(int webUiPort, int metricsPort) {
  public static final LocalMonitoring NONE = new LocalMonitoring(-1, -1);
  public static final int DEFAULT_WEB_UI_PORT = 8081;
  public static final int DEFAULT_METRICS_PORT = 9249;
  static final int TRIES = 20;

  public LocalMonitoring {
    if (webUiPort < -1 || metricsPort < -1) {
      throw new UserError("Ports are 0 (any free port), -1 (none) or a port number; got web UI " + webUiPort
          + ", metrics " + metricsPort);
    }
  }

  public boolean webUi() {
    return webUiPort >= 0;
  }

  /** The ports to bind: free ones where 0 was asked for, the next free one where the one asked for is taken. */
  public LocalMonitoring resolved() {
    int web = free(webUiPort, -2);
    return new LocalMonitoring(web, free(metricsPort, web));
  }

  private static int free(int asked, int taken) {
    if (asked <= 0) {
      return asked == 0 ? LocalPorts.free() : asked;
    }
    for (int port = asked; port < asked + TRIES; port++) {
      if (port != taken && LocalPorts.isFree(port)) {
        return port;
      }
    }
    throw new UserError("Ports " + asked + " to " + (asked + TRIES - 1) + " are all in use; pass another port, or 0 "
        + "for any free one");
  }

  /** Sets the MiniCluster's REST port and the Prometheus reporter on {@code conf}; call on {@link #resolved()}. */
  void configure(Configuration conf) {
    if (webUiPort > 0) {
      conf.set(RestOptions.BIND_PORT, Integer.toString(webUiPort));
    }
    if (metricsPort > 0) {
      conf.setString("metrics.reporter.prom.factory.class",
          "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
      conf.setString("metrics.reporter.prom.port", Integer.toString(metricsPort));
    }
  }

  /** Lines saying where to look, for the commands to print. */
  String describe() {
    StringBuilder lines = new StringBuilder();
    if (webUiPort > 0) {
      lines.append("Flink web UI at http://localhost:").append(webUiPort).append("/\n");
    }
    if (metricsPort > 0) {
      lines.append("Learner job metrics for Prometheus at http://localhost:").append(metricsPort).append("/metrics\n");
    }
    return lines.toString();
  }

}
