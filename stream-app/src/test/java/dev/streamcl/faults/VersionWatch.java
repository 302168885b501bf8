package dev.streamcl.faults;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Follows a model-updates topic as a read_committed reader does: the newest committed version per model. */
final class VersionWatch implements AutoCloseable {
  private final EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, Long> newest = new HashMap<>();

  VersionWatch(ClientConfigs clients, Topics topics) {
    consumer = new KafkaConsumer<>(clients.consumer(null));
    List<TopicPartition> partitions = consumer.partitionsFor(topics.modelUpdates().name(), Duration.ofSeconds(30))
        .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** Waits until {@code stream/learner} has a committed version of at least {@code version}, while {@code alive}. */
  long awaitAtLeast(String stream, String learner, long version, Duration timeout, BooleanSupplier alive) {
    String model = stream + "/" + learner;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (newest.getOrDefault(model, 0L) < version) {
      if (System.nanoTime() > deadline || !alive.getAsBoolean()) {
        throw new AssertionError("version " + version + " of " + model + " never became readable (newest "
            + newest.getOrDefault(model, 0L) + (alive.getAsBoolean() ? ")" : ", and the job had stopped)"));
      }
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        ModelUpdate u = codec.decode(record.value());
        newest.merge(u.getStreamId() + "/" + u.getLearner(), u.getModelVersion(), Math::max);
      }
    }
    return newest.get(model);
  }

  @Override
  public void close() {
    consumer.close();
  }
}
