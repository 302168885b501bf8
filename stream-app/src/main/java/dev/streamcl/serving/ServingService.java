package dev.streamcl.serving;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.MissingTopicException;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * The serving service: the serving topology on Kafka Streams, exactly-once unless the overrides say
 * {@code processing.guarantee=at_least_once} (answers readable as soon as written; after a crash some are
 * written twice).
 */
public final class ServingService implements AutoCloseable {
  /**
   * Send answers at once (Streams' producer default lingers 100 ms) and never sit in an idle poll longer than
   * a few ms (held requests and the open transaction wait for the loop).
   */
  private static final Map<String, String> LOW_LATENCY = Map.of(
      "poll.ms", "2",
      "producer.linger.ms", "0",
      "producer.retry.backoff.ms", "1");
  /**
   * Under exactly-once an answer is readable when its transaction commits, so the commit interval bounds
   * latency; each commit costs a few broker round trips, so much shorter intervals cost throughput.
   */
  private static final String EXACTLY_ONCE_COMMIT_INTERVAL_MS = "10";
  /**
   * A serving instance that died hands its partitions on after 10 s without a heartbeat (Kafka's default is
   * 45 s); one restarted with the same {@code group.instance.id} (static membership) takes them back at once.
   */
  private static final Map<String, String> FAILOVER = Map.of("session.timeout.ms", "10000",
      "heartbeat.interval.ms", "2000");

  private static final long SOURCE_TOPIC_CHECK_SECONDS = 5;

  private final ModelRegistry registry = new ModelRegistry();
  private final ExecutorService loader = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "serving-model-loader");
    thread.setDaemon(true);
    return thread;
  });
  /**
   * Checks every {@link #SOURCE_TOPIC_CHECK_SECONDS} s that both source topics still exist. Kafka Streams reports
   * a deleted source topic only at its next rebalance, and a consumer that keeps the vanished partition's old
   * metadata may never start one: serving would stay up answering nothing.
   */
  private final ScheduledExecutorService sourceTopicCheck = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "serving-source-topic-check");
    thread.setDaemon(true);
    return thread;
  });
  private final ClientConfigs clients;
  private final Topics topics;
  private final KafkaStreams streams;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Throwable failure;

  public ServingService(ClientConfigs clients, Topics topics, EncoderSpec encoder, ComputeDevice device,
      int labelLimit, Properties overrides) {
    Properties config = clients.streams(applicationId(topics));
    config.putAll(LOW_LATENCY);
    config.putAll(FAILOVER);
    // Scoring is CPU work and a commit blocks its thread: a thread per core scores one task while another commits.
    config.put("num.stream.threads", Integer.toString(Runtime.getRuntime().availableProcessors()));
    config.put("producer.max.request.size", Integer.toString(ServingTopology.MAX_RECORD_BYTES));
    config.putAll(overrides);
    putCommitInterval(config);
    this.clients = clients;
    this.topics = topics;
    streams = new KafkaStreams(ServingTopology.build(topics, encoder, device, labelLimit, registry, loader), config);
    streams.setUncaughtExceptionHandler(e -> {
      failure = e;
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
        stopped.countDown();
      }
    });
  }

  /** The Kafka Streams application id, and so the consumer group, of serving on {@code topics}. */
  public static String applicationId(Topics topics) {
    return "streamcl-serving-" + topics.prefix();
  }

  /**
   * Serving's latency settings on top of {@code streamsConfig} (a Kafka Streams configuration with its
   * processing guarantee): for the benchmark's floors, which run plain Kafka Streams apps as serving runs.
   */
  public static Properties withLatencySettings(Properties streamsConfig) {
    Properties config = new Properties();
    config.putAll(streamsConfig);
    config.putAll(LOW_LATENCY);
    putCommitInterval(config);
    return config;
  }

  private static void putCommitInterval(Properties config) {
    if (config.getProperty(StreamsConfig.PROCESSING_GUARANTEE_CONFIG).startsWith("exactly_once")) {
      config.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, EXACTLY_ONCE_COMMIT_INTERVAL_MS);
    }
  }

  /** Starts serving; fails at once (and closes), saying which topic to create, when a source topic is missing. */
  public ServingService start() {
    try {
      SourceTopics.require(clients, topics);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    streams.start();
    sourceTopicCheck.scheduleWithFixedDelay(this::stopIfASourceTopicVanished, SOURCE_TOPIC_CHECK_SECONDS,
        SOURCE_TOPIC_CHECK_SECONDS, TimeUnit.SECONDS);
    return this;
  }

  private void stopIfASourceTopicVanished() {
    try {
      SourceTopics.require(clients, topics);
    } catch (MissingTopicException e) {
      failure = new MissingSourceTopicException(e.getMessage());
      stopped.countDown(); // whoever awaits the stop closes the service
    } catch (RuntimeException brokerBusyOrAway) {
      // Kafka Streams itself reports a broker that stays away; the next check asks again.
    }
  }

  /**
   * Blocks until Kafka Streams stopped: after {@link #close}, or when it shut its client down on a failure,
   * which this returns (an idle service that serves nothing must not look alive).
   */
  public Optional<Throwable> awaitStopped() throws InterruptedException {
    stopped.await();
    return Optional.ofNullable(failure).or(() -> streams.state() == KafkaStreams.State.ERROR
        ? Optional.of(new IllegalStateException("Kafka Streams went to state ERROR")) : Optional.empty());
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** The version this instance serves for a stream's learner, or 0. */
  public long servedVersion(String streamId, String learner) {
    return registry.servedVersion(streamId, learner);
  }

  /** Kafka Streams' metrics of this instance (commit latency, process rate, ...), for operators and benchmarks. */
  public Map<MetricName, ? extends Metric> metrics() {
    return streams.metrics();
  }

  /** Serves this instance's Prometheus metrics at {@code /metrics} on {@code port} (0: any); returns the port. */
  public int serveMetricsOn(int port) {
    return registry.metrics().serveOn(port);
  }

  /** This instance's Prometheus metrics. */
  public ServingMetrics prometheus() {
    return registry.metrics();
  }

  /** What hot swapping did so far in this instance. */
  public HotSwaps hotSwaps() {
    return registry.hotSwaps();
  }

  @Override
  public void close() {
    sourceTopicCheck.shutdownNow();
    streams.close(Duration.ofSeconds(30));
    loader.shutdownNow();
    registry.closeAll();
    registry.metrics().close();
  }
}
