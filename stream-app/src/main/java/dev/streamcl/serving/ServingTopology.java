package dev.streamcl.serving;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Model updates and requests, co-partitioned by stream id, feed one processor. Kafka Streams processes a
 * task's records in timestamp order across both topics, so a request sent after a model version became
 * readable is answered by that version or a newer one (a request that must wait for a version's ONNX
 * session, built off the stream thread, waits for it).
 */
public final class ServingTopology {
  static final String MODELS_STORE = "served-models";
  static final String COMMIT_FLUSH_STORE = "serving-commit-flush";
  static final String PREDICTIONS_SINK = "predictions";
  static final String DEAD_LETTERS_SINK = "dead-letters";
  /**
   * The largest record serving stores (changelog record and producer request limit): the store keeps model
   * updates as the learner wrote them (chunks of at most 512 KiB of tensors), so this only has to exceed the
   * model-update topic's own limit.
   */
  public static final int MAX_RECORD_BYTES = 16 * 1024 * 1024;

  private ServingTopology() {}

  /** Builds every ONNX session on the stream thread that needs it (tests, tools); the service builds them apart. */
  public static Topology build(Topics topics, EncoderSpec encoder, ComputeDevice device, int labelLimit,
      ModelRegistry registry) {
    return build(topics, encoder, device, labelLimit, registry, Runnable::run);
  }

  /** {@code loader} builds the ONNX sessions that new model versions need. */
  public static Topology build(Topics topics, EncoderSpec encoder, ComputeDevice device, int labelLimit,
      ModelRegistry registry, Executor loader) {
    Topology topology = new Topology();
    String updates = topics.modelUpdates().name();
    topology.addSource("model-updates", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(), updates);
    topology.addSource("requests", Serdes.String().deserializer(), Serdes.ByteArray().deserializer(),
        topics.requests().name());
    topology.addProcessor("serve", () -> new ServingProcessor(updates, encoder, device, labelLimit, registry, loader),
        "model-updates", "requests");
    stores().forEach(store -> topology.addStateStore(store, "serve"));
    topology.addSink(PREDICTIONS_SINK, topics.servedPredictions().name(), Serdes.String().serializer(),
        Serdes.ByteArray().serializer(), byStreamId(), "serve");
    topology.addSink(DEAD_LETTERS_SINK, topics.deadLetters().name(), Serdes.String().serializer(),
        Serdes.ByteArray().serializer(), "serve");
    return topology;
  }

  /** The serving processor's stores: the changelogged models and the commit flush. */
  static List<StoreBuilder<?>> stores() {
    Map<String, String> largeRecords = Map.of("max.message.bytes", Integer.toString(MAX_RECORD_BYTES));
    return List.of(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(MODELS_STORE), Serdes.String(),
        Serdes.ByteArray()).withLoggingEnabled(largeRecords), CommitFlush.builder(COMMIT_FLUSH_STORE));
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
