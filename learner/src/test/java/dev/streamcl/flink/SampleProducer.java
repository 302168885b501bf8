package dev.streamcl.flink;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Writes sample records to a two-partition samples topic, keyed and placed by stream id, and on close
 * checks that the broker took every one: a record it never took would just be missing from the job's input.
 */
final class SampleProducer implements AutoCloseable {
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final List<Future<RecordMetadata>> sent = new ArrayList<>();

  SampleProducer(ClientConfigs clients, String topic) {
    var config = clients.producer(null);
    config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
    this.producer = new KafkaProducer<>(config);
    this.topic = topic;
  }

  /** Sends one record value (null too) of {@code stream}; the future tells where it landed. */
  Future<RecordMetadata> send(String stream, byte[] value) {
    Future<RecordMetadata> future = producer.send(new ProducerRecord<>(topic,
        StreamPartitioning.partitionFor(stream, 2), stream, value));
    sent.add(future);
    return future;
  }

  @Override
  public void close() throws ExecutionException, InterruptedException {
    try {
      producer.flush();
      for (Future<RecordMetadata> record : sent) {
        record.get();
      }
    } finally {
      producer.close();
    }
  }
}
