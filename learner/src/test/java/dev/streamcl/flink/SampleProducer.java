package dev.streamcl.flink;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Writes sample records to a two-partition samples topic, keyed and placed by stream id, and on close
 * checks that the broker took every one: a record it never took would just be missing from the job's input.
 *
 * <p>The in-process broker now and then never acknowledges a producer's last batches of a partition
 * (seen a few times on 2 busy cores, cause not found; the next producer is served). Those records are
 * sent once more by a fresh producer, in order, which keeps each partition's order only because they
 * are the partition's tail; anything else fails the test. A record the broker did take without saying
 * so would then be there twice, which the tests' exact counts catch.
 */
final class SampleProducer implements AutoCloseable {
  private final Properties config;
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final List<Sent> sent = new ArrayList<>();

  private record Sent(ProducerRecord<String, byte[]> record, CompletableFuture<RecordMetadata> landed,
      CompletableFuture<Exception> failed) {}

  SampleProducer(ClientConfigs clients, String topic) {
    config = clients.producer(null);
    // The in-process broker has stalled a producer for 40 s on 2 busy cores (in CI, about once a run): a batch that
    // expires then while later ones land cannot be sent again in order. Waiting longer lets the stall pass.
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "150000");
    config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
    this.producer = new KafkaProducer<>(config);
    this.topic = topic;
  }

  /** Sends one record value (null too) of {@code stream}; the future tells where it landed. */
  Future<RecordMetadata> send(String stream, byte[] value) {
    Sent record = new Sent(new ProducerRecord<>(topic, StreamPartitioning.partitionFor(stream, 2), stream, value),
        new CompletableFuture<>(), new CompletableFuture<>());
    producer.send(record.record(), (metadata, error) -> {
      if (error == null) {
        record.landed().complete(metadata);
      } else {
        record.failed().complete(error);
      }
    });
    sent.add(record);
    return record.landed();
  }

  @Override
  public void close() throws ExecutionException, InterruptedException {
    try {
      producer.flush();
    } finally {
      producer.close();
    }
    List<Sent> unacknowledged = sent.stream().filter(s -> !s.landed().isDone()).toList();
    if (!unacknowledged.isEmpty()) {
      requireTimedOutTails();
      System.out.printf("The broker never acknowledged %d records; a fresh producer sends them again%n",
          unacknowledged.size());
      try (KafkaProducer<String, byte[]> retry = new KafkaProducer<>(config)) {
        for (Sent s : unacknowledged) {
          retry.send(s.record(), (metadata, error) -> {
            if (error == null) {
              s.landed().complete(metadata);
            } else {
              s.landed().completeExceptionally(error);
            }
          });
        }
        retry.flush();
      }
    }
    for (Sent s : sent) {
      s.landed().get();
    }
  }

  /** Only timed-out tails of partitions can be sent again without changing the order of a partition. */
  private void requireTimedOutTails() throws ExecutionException, InterruptedException {
    Map<Integer, Boolean> seenFailure = new HashMap<>();
    for (Sent s : sent) {
      int partition = s.record().partition();
      boolean failed = !s.landed().isDone();
      if (failed && !(s.failed().get() instanceof TimeoutException)) {
        throw new ExecutionException("The broker refused a record", s.failed().get());
      }
      if (seenFailure.getOrDefault(partition, false) && !failed) {
        throw new IllegalStateException("The broker acknowledged records of partition " + partition
            + " after ones it never acknowledged: sending those again would reorder the partition");
      }
      seenFailure.merge(partition, failed, Boolean::logicalOr);
    }
  }
}
