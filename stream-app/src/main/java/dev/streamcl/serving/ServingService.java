package dev.streamcl.serving;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/** The serving service: the serving topology on Kafka Streams with exactly-once processing. */
public final class ServingService implements AutoCloseable {
  private final ModelRegistry registry = new ModelRegistry();
  private final KafkaStreams streams;
  private final CompletableFuture<Throwable> failure = new CompletableFuture<>();

  public ServingService(ClientConfigs clients, Topics topics, EncoderSpec encoder, ComputeDevice device,
      int labelLimit, Properties overrides) {
    Properties config = clients.streams("streamcl-serving-" + topics.prefix());
    config.put("commit.interval.ms", "100");
    config.put("producer.max.request.size", Integer.toString(ServingTopology.MAX_MODEL_BYTES));
    config.putAll(overrides);
    streams = new KafkaStreams(ServingTopology.build(topics, encoder, device, labelLimit, registry), config);
    streams.setUncaughtExceptionHandler(e -> {
      failure.complete(e);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
  }

  public ServingService start() {
    streams.start();
    return this;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Completes with the error that stopped the service (a denied ACL, say); the service then shuts down. */
  public CompletableFuture<Throwable> failure() {
    return failure;
  }

  /** The version this instance serves for a stream's learner, or 0. */
  public long servedVersion(String streamId, String learner) {
    return registry.servedVersion(streamId, learner);
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    registry.closeAll();
  }
}
