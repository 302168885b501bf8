package dev.streamcl.serving;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads serving's answers as a client does (read_committed, from the start), noting when each became
 * readable; per partition, answers arrive in the order serving produced them.
 */
final class ServedAnswers implements AutoCloseable {
  /** One answer, where it sat on the topic and when this reader received it ({@link System#nanoTime}). */
  record Answer(int partition, long offset, Prediction prediction, long receivedNanos) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final ConcurrentLinkedQueue<Answer> received = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean stopped;

  ServedAnswers(ClientConfigs clients, String topic) {
    consumer = new KafkaConsumer<>(clients.consumer(null));
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(this::read, "served-answers");
  }

  ServedAnswers start() {
    thread.start();
    return this;
  }

  int count() {
    return received.size();
  }

  /** Waits up to {@code wait} until {@code count} answers arrived; returns all arrived so far, in arrival order. */
  List<Answer> await(long count, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (received.size() < count && System.nanoTime() < deadline && thread.isAlive()) {
      Thread.sleep(20);
    }
    return new ArrayList<>(received);
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    consumer.wakeup();
    thread.join();
  }

  private void read() {
    EventCodec<Prediction> predictions = EventCodec.predictions();
    try (consumer) {
      while (!stopped) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          received.add(new Answer(r.partition(), r.offset(), predictions.decode(r.value()), System.nanoTime()));
        }
      }
    } catch (WakeupException e) {
      // closed
    }
  }
}
