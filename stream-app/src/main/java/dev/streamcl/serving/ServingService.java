package dev.streamcl.serving;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;

/** The serving service: the serving topology on Kafka Streams with exactly-once processing. */
public final class ServingService implements AutoCloseable {
  private final ModelRegistry registry = new ModelRegistry();
  private final KafkaStreams streams;

  public ServingService(ClientConfigs clients, Topics topics, EncoderSpec encoder, ComputeDevice device,
      int labelLimit, Properties overrides) {
    Properties config = clients.streams("streamcl-serving-" + topics.prefix());
    config.put("commit.interval.ms", "100");
    config.put("producer.max.request.size", Integer.toString(ServingTopology.MAX_MODEL_BYTES));
    config.putAll(overrides);
    streams = new KafkaStreams(ServingTopology.build(topics, encoder, device, labelLimit, registry), config);
  }

  public ServingService start() {
    streams.start();
    return this;
  }

  public KafkaStreams.State state() {
    return streams.state();
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
