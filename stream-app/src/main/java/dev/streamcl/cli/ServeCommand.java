package dev.streamcl.cli;

import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.MissingTopicException;
import dev.streamcl.kafka.Topics;
import dev.streamcl.serving.ServingMetrics;
import dev.streamcl.serving.ServingService;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serves predictions for the requests topic with hot-swapped models (Kafka Streams, exactly-once "
        + "unless --at-least-once).")
final class ServeCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Mixin EncoderOptions encoding;

  @Option(names = "--label-limit", defaultValue = "" + LearnerJobOptions.DEFAULT_LABEL_LIMIT,
      description = "Number of classes: true labels on requests must lie in [0, N) (default: ${DEFAULT-VALUE}).")
  int labelLimit;

  @Option(names = "--instance-id", description = "A name unique to this serving instance and kept across its "
      + "restarts (Kafka static membership): a restarted instance takes its partitions back at once instead of "
      + "after the session timeout. Two instances running with the same name fence each other.")
  String instanceId;

  @Option(names = "--at-least-once", description = "Answers become readable as soon as they are written (a few "
      + "ms) instead of when their transaction commits (every 10 ms, plus the commit's round trips); after a crash "
      + "some requests are answered twice. Default: exactly-once.")
  boolean atLeastOnce;

  @Option(names = "--metrics-port", defaultValue = "" + ServingMetrics.DEFAULT_PORT, description = "Serve "
      + "Prometheus metrics at http://localhost:<port>/metrics (requests, latency, model swaps, served version and "
      + "age, dead letters); 0: any free port, -1: none (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  /**
   * Serves until Ctrl-C (exit 0), or until Kafka Streams shuts its client down on a failure: then the
   * command fails saying so, instead of staying alive serving nothing.
   */
  @Override
  public Integer call() throws Exception {
    Topics topics = kafka.topics();
    Properties overrides = new Properties();
    if (instanceId != null) {
      overrides.put("group.instance.id", instanceId);
    }
    if (atLeastOnce) {
      overrides.put("processing.guarantee", "at_least_once");
    }
    ServingService service = new ServingService(kafka.clients(), topics, encoding.encoderSpec(),
        encoding.computeDevice(), labelLimit, overrides);
    service.start();
    if (metricsPort >= 0) {
      System.out.println("Prometheus metrics at http://localhost:" + service.serveMetricsOn(metricsPort) + "/metrics");
    }
    // Close inside the hook: the JVM exits when hooks return, and a clean close commits the last transaction.
    Thread closeOnExit = new Thread(service::close, "serve-shutdown");
    Runtime.getRuntime().addShutdownHook(closeOnExit);
    System.out.println("Serving " + topics.requests().name() + " → " + topics.servedPredictions().name()
        + " (Ctrl-C to stop)");
    Optional<Throwable> failure = service.awaitStopped();
    if (failure.isEmpty()) {
      return 0;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(closeOnExit);
    } catch (IllegalStateException exiting) {
      // Ctrl-C came at the same time: the hook closes the service.
    }
    service.close();
    throw stoppedBy(failure.get(), topics);
  }

  private RuntimeException stoppedBy(Throwable failure, Topics topics) {
    if (ExceptionUtils.findThrowable(failure, MissingSourceTopicException.class).isPresent()) {
      return new MissingTopicException("Serving stopped: Kafka Streams found " + topics.requests().name() + " or "
          + topics.modelUpdates().name() + " missing on " + kafka.bootstrap + "; recreate it with as many "
          + "partitions as the other and start serve again");
    }
    return new IllegalStateException("Serving stopped: Kafka Streams shut its client down after a failure; fix its "
        + "cause and start serve again", failure);
  }
}
