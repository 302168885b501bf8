package dev.streamcl.serving;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Executor;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * A {@link ServingProcessor} on in-memory stores under a mock context, driven record by record: a commit
 * ({@link #commit}) is what Kafka Streams does before it commits, a restart ({@link #restart}) what it does
 * after a rebalance or crash (the stores restored from their changelogs).
 */
final class ProcessorHarness implements AutoCloseable {
  final Topics topics = new Topics("t");
  final ModelRegistry registry = new ModelRegistry();
  final MockProcessorContext<String, byte[]> context;
  private final CommitFlush commits;
  private final Executor loader;
  private ServingProcessor processor;
  private List<DeadLetter> deadLetters = List.of();
  private long offset;

  /** {@code guarantee}: Kafka Streams' processing.guarantee; {@code loader} builds new ONNX sessions. */
  ProcessorHarness(String guarantee, Executor loader) {
    Properties config = new Properties();
    config.put("application.id", "serving-harness");
    config.put("bootstrap.servers", "unused:9092");
    config.put("processing.guarantee", guarantee);
    config.put("commit.interval.ms", "10");
    context = new MockProcessorContext<>(config);
    this.loader = loader;
    KeyValueStore<String, byte[]> models = Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ServingTopology.MODELS_STORE), Serdes.String(), Serdes.ByteArray())
        .withLoggingDisabled().build();
    commits = CommitFlush.builder(ServingTopology.COMMIT_FLUSH_STORE).build();
    for (StateStore store : List.of(models, commits)) {
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
  }

  /** Exactly-once, every session built on the calling thread. */
  static ProcessorHarness exactlyOnce() {
    return new ProcessorHarness("exactly_once_v2", Runnable::run);
  }

  ProcessorHarness start() {
    processor = new ServingProcessor(topics.modelUpdates().name(), ServingFixtures.PIXELS_2X2, ComputeDevice.cpu(),
        10, registry, loader);
    processor.init(context);
    return this;
  }

  void restart() {
    processor.close();
    start();
  }

  void stop() {
    processor.close();
  }

  /** The offset the next record will have. */
  long nextOffset() {
    return offset;
  }

  void publish(ModelUpdate update) {
    process(topics.modelUpdates().name(), Topics.modelKey(update.getStreamId(), update.getLearner()),
        EventCodec.modelUpdates().encode(update));
  }

  void request(String stream, long sequence, byte[] pixels) {
    process(topics.requests().name(), stream,
        EventCodec.samples().encode(ServingFixtures.request(stream, sequence, null, 2, 2, pixels)));
  }

  /** What Kafka Streams calls before a task commits (and before a clean close). */
  void commit() {
    commits.flushCache();
  }

  /** What Kafka Streams calls when it closes a task without a commit: its records are processed again. */
  void closeWithoutCommit() {
    commits.clearCache();
  }

  /** Runs the punctuation of the processor started last. */
  void punctuate() {
    List<MockProcessorContext.CapturedPunctuator> punctuators = context.scheduledPunctuators();
    punctuators.get(punctuators.size() - 1).getPunctuator().punctuate(ServingFixtures.BASE_TIME + offset);
  }

  /** The answers forwarded since the last call, in order. */
  List<Prediction> answers() {
    List<Prediction> answers = context.forwarded(ServingTopology.PREDICTIONS_SINK).stream()
        .map(f -> EventCodec.predictions().decode(f.record().value())).toList();
    deadLetters = deadLetters();
    context.resetForwards();
    return answers;
  }

  /** Every dead letter forwarded so far. */
  List<DeadLetter> deadLetters() {
    List<DeadLetter> all = new ArrayList<>(deadLetters);
    context.forwarded(ServingTopology.DEAD_LETTERS_SINK)
        .forEach(f -> all.add(EventCodec.deadLetters().decode(f.record().value())));
    return all;
  }

  private void process(String topic, String key, byte[] value) {
    context.setRecordMetadata(topic, 0, offset++);
    processor.process(new Record<>(key, value, ServingFixtures.BASE_TIME + offset));
  }

  @Override
  public void close() {
    if (processor != null) {
      processor.close();
    }
    registry.closeAll();
  }
}
