package dev.streamcl.serving;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/** The serving service: the serving topology on Kafka Streams with exactly-once processing. */
public final class ServingService implements AutoCloseable {
  private final ModelRegistry registry = new ModelRegistry();
  private final ClientConfigs clients;
  private final Topics topics;
  private final KafkaStreams streams;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile Throwable failure;

  public ServingService(ClientConfigs clients, Topics topics, EncoderSpec encoder, ComputeDevice device,
      int labelLimit, Properties overrides) {
    Properties config = clients.streams("streamcl-serving-" + topics.prefix());
    config.put("commit.interval.ms", "100");
    config.put("producer.max.request.size", Integer.toString(ServingTopology.MAX_MODEL_BYTES));
    config.putAll(overrides);
    this.clients = clients;
    this.topics = topics;
    streams = new KafkaStreams(ServingTopology.build(topics, encoder, device, labelLimit, registry), config);
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

  /** Starts serving; fails at once (and closes), saying which topic to create, when a source topic is missing. */
  public ServingService start() {
    try {
      SourceTopics.require(clients, topics);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    streams.start();
    return this;
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

  /** What hot swapping did so far in this instance. */
  public HotSwaps hotSwaps() {
    return registry.hotSwaps();
  }

  @Override
  public void close() {
    streams.close(Duration.ofSeconds(30));
    registry.closeAll();
  }
}
