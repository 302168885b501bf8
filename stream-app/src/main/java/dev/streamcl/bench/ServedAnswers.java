package dev.streamcl.bench;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Reads serving's answers as a client does (read_committed, from the start), noting when each became
 * readable; per partition, answers arrive in the order serving produced them.
 */
public final class ServedAnswers implements AutoCloseable {
  /** One answer, where it sat on the topic and when this reader received it ({@link System#nanoTime}). */
  public record Answer(int partition, long offset, Prediction prediction, long receivedNanos) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final ConcurrentLinkedQueue<Answer> received = new ConcurrentLinkedQueue<>();
  /** The queue's size, kept apart: {@link ConcurrentLinkedQueue#size()} walks the whole queue. */
  private final AtomicInteger count = new AtomicInteger();
  private final Thread thread;
  private volatile boolean stopped;

  public ServedAnswers(ClientConfigs clients, String topic) {
    consumer = new KafkaConsumer<>(consumerConfig(clients));
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(this::read, "served-answers");
  }

  /**
   * A reader that asks the broker often: a fetch that found nothing waits at most 5 ms, so an answer that
   * becomes readable (its transaction committed) is seen within a few ms.
   */
  private static Properties consumerConfig(ClientConfigs clients) {
    Properties config = clients.consumer(null);
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
    return config;
  }

  public ServedAnswers start() {
    thread.start();
    return this;
  }

  public int count() {
    return count.get();
  }

  /** Waits up to {@code wait} until {@code count} answers arrived; returns all arrived so far, in arrival order. */
  public List<Answer> await(long count, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (this.count.get() < count && System.nanoTime() < deadline && thread.isAlive()) {
      Thread.sleep(5);
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
          count.incrementAndGet();
        }
      }
    } catch (WakeupException e) {
      // closed
    }
  }
}
