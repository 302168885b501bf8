package dev.streamcl.serving;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serving's Prometheus metrics, in a registry of its own (several services can share a JVM): requests answered,
 * request latency (from the request's record timestamp to its answer), model swaps, the served version and its age
 * per stream and learner, and dead letters by reason. {@link #serveOn} exposes them at {@code /metrics}.
 */
public final class ServingMetrics implements AutoCloseable {
  /** {@code streamcl serve}'s metrics port, beside Flink's reporter default 9249 for the learner job. */
  public static final int DEFAULT_PORT = 9250;
  /** Latency buckets from 1 ms to 10 s: serving answers in milliseconds, a cold start or a load in seconds. */
  private static final double[] LATENCY_BUCKETS = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};

  private record Served(long version, long writtenAtMillis) {}

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests;
  private final Histogram latency;
  private final Counter swaps;
  private final Counter deadLetters;
  private final Map<String, Served> served = new ConcurrentHashMap<>();
  private HTTPServer server;

  public ServingMetrics() {
    requests = Counter.builder().name("streamcl_serving_requests_total")
        .help("Requests answered, per stream").labelNames("stream").register(registry);
    latency = Histogram.builder().name("streamcl_serving_request_latency_seconds")
        .help("From a request's record timestamp to its answer").classicUpperBounds(LATENCY_BUCKETS)
        .register(registry);
    swaps = Counter.builder().name("streamcl_serving_model_swaps_total")
        .help("Model versions swapped in (hot swaps and first loads), per stream and learner")
        .labelNames("stream", "learner").register(registry);
    deadLetters = Counter.builder().name("streamcl_serving_dead_letters_total")
        .help("Requests and model updates serving dead-lettered, per reason").labelNames("reason")
        .register(registry);
    GaugeWithCallback.builder().name("streamcl_serving_model_version")
        .help("Model version served, per stream and learner").labelNames("stream", "learner")
        .callback(callback -> served.forEach((key, s) -> callback.call(s.version(), labels(key))))
        .register(registry);
    GaugeWithCallback.builder().name("streamcl_serving_model_age_seconds")
        .help("Time since the served version was written to Kafka, per stream and learner")
        .labelNames("stream", "learner")
        .callback(callback -> served.forEach((key, s) -> callback.call(
            (System.currentTimeMillis() - s.writtenAtMillis()) / 1000.0, labels(key))))
        .register(registry);
  }

  void answered(String streamId, long requestTimestampMillis, long nowMillis) {
    requests.labelValues(streamId).inc();
    latency.observe(Math.max(0, nowMillis - requestTimestampMillis) / 1000.0);
  }

  /** A version swapped in; {@code writtenAtMillis}: its record's Kafka timestamp (when the job published it). */
  void swapped(String streamId, String learner, long version, long writtenAtMillis) {
    swaps.labelValues(streamId, learner).inc();
    served.merge(key(streamId, learner), new Served(version, writtenAtMillis),
        (old, fresh) -> fresh.version() > old.version() ? fresh : old);
  }

  void deadLettered(String reason) {
    deadLetters.labelValues(reason).inc();
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Serves the metrics at {@code http://<host>:<port>/metrics} (port 0: any free port); returns the port. */
  public synchronized int serveOn(int port) {
    if (server != null) {
      throw new IllegalStateException("serving metrics on port " + server.getPort() + " already");
    }
    try {
      server = HTTPServer.builder().port(port).registry(registry).buildAndStart();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serve metrics on port " + port + " (" + e.getMessage()
          + "); pass another --metrics-port, or 0 for any free port", e);
    }
    return server.getPort();
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  private static String key(String streamId, String learner) {
    return streamId + "\u0000" + learner;
  }

  private static String[] labels(String key) {
    return key.split("\u0000", 2);
  }
}
