package dev.streamcl.serving;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.Stores;

/**
 * Model updates and requests, co-partitioned by stream id, feed one processor. Kafka Streams
 * processes a task's records in timestamp order across both topics, so a request sent after a
 * model version became readable is answered by that version or a newer one.
 */
public final class ServingTopology {
  static final String MODELS_STORE = "served-models";
  static final String CHUNKS_STORE = "model-chunks";
  static final String PREDICTIONS_SINK = "predictions";
  static final String DEAD_LETTERS_SINK = "dead-letters";
  /** The largest whole model serving keeps (changelog record and producer request limit). */
  public static final int MAX_MODEL_BYTES = 256 * 1024 * 1024;

  private ServingTopology() {}

  public static Topology build(Topics topics, EncoderSpec encoder, ComputeDevice device, int labelLimit,
      ModelRegistry registry) {
    Topology topology = new Topology();
    String updates = topics.modelUpdates().name();
    topology.addSource("model-updates", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), updates);
    topology.addSource("requests", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
        topics.requests().name());
    topology.addProcessor("serve", () -> new ServingProcessor(updates, encoder, device, labelLimit, registry),
        "model-updates", "requests");
    // A whole model is one changelog record, larger than the 1 MiB default message limit.
    Map<String, String> largeRecords = Map.of("max.message.bytes", Integer.toString(MAX_MODEL_BYTES));
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(MODELS_STORE),
        Serdes.String(), Serdes.ByteArray()).withLoggingEnabled(largeRecords), "serve");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CHUNKS_STORE),
        Serdes.String(), Serdes.ByteArray()), "serve");
    topology.addSink(PREDICTIONS_SINK, topics.servedPredictions().name(), Serdes.String().serializer(),
        Serdes.ByteArray().serializer(), byStreamId(), "serve");
    topology.addSink(DEAD_LETTERS_SINK, topics.deadLetters().name(), Serdes.String().serializer(),
        Serdes.ByteArray().serializer(), "serve");
    return topology;
  }

  private static StreamPartitioner<String, byte[]> byStreamId() {
    return new StreamPartitioner<>() {
      @Override
      public Optional<Set<Integer>> partitions(String topic, String streamId, byte[] value, int partitions) {
        return Optional.of(Set.of(StreamPartitioning.partitionFor(streamId, partitions)));
      }
    };
  }
}
