package dev.streamcl.bench;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * readable; per partition, answers arrive in the order serving produced them. A reader that keeps only the
 * times ({@link #timesOnly}) holds two longs per answer: a benchmark's own bookkeeping must not fill the heap
 * it shares with the service it measures (decoded answers, kept, made every young collection slower).
 */
public final class ServedAnswers implements AutoCloseable {
  /** One answer, where it sat on the topic and when this reader received it ({@link System#nanoTime}). */
  public record Answer(int partition, long offset, Prediction prediction, long receivedNanos) {}

  private final KafkaConsumer<String, byte[]> consumer;
  private final boolean keepAnswers;
  private final ConcurrentLinkedQueue<Answer> received = new ConcurrentLinkedQueue<>();
  /** The answers' request sequences and receive times, in arrival order; guarded by {@code this}. */
  private long[] sequences = new long[1 << 16];
  private long[] receivedNanos = new long[1 << 16];
  /** The count, kept apart: {@link ConcurrentLinkedQueue#size()} walks the whole queue. */
  private final AtomicInteger count = new AtomicInteger();
  private final Thread thread;
  private volatile boolean stopped;

  /** A reader that keeps every answer ({@link #await}). */
  public ServedAnswers(ClientConfigs clients, String topic) {
    this(clients, topic, true);
  }

  private ServedAnswers(ClientConfigs clients, String topic, boolean keepAnswers) {
    this.keepAnswers = keepAnswers;
    consumer = new KafkaConsumer<>(consumerConfig(clients));
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(this::read, "served-answers");
  }

  /** A reader that keeps only when each request's answers came ({@link #lastAnswerNanos}). */
  public static ServedAnswers timesOnly(ClientConfigs clients, String topic) {
    return new ServedAnswers(clients, topic, false);
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
    if (!keepAnswers) {
      throw new IllegalStateException("This reader keeps only the answers' times; use lastAnswerNanos");
    }
    awaitCount(count, wait);
    return new ArrayList<>(received);
  }

  /** Waits up to {@code wait} until {@code count} answers arrived. */
  public void awaitCount(long count, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (this.count.get() < count && System.nanoTime() < deadline && thread.isAlive()) {
      Thread.sleep(5);
    }
  }

  /**
   * Per request {@code from + i} ({@code i < count}): when its last answer was read, or 0 unless all
   * {@code perRequest} of its answers came.
   */
  public synchronized long[] lastAnswerNanos(long from, long count, int perRequest) {
    long[] last = new long[Math.toIntExact(count)];
    int[] answered = new int[last.length];
    for (int a = 0; a < this.count.get(); a++) {
      long i = sequences[a] - from;
      if (i >= 0 && i < count) {
        answered[(int) i]++;
        last[(int) i] = Math.max(last[(int) i], receivedNanos[a]);
      }
    }
    for (int i = 0; i < last.length; i++) {
      if (answered[i] != perRequest) {
        last[i] = 0;
      }
    }
    return last;
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
          Prediction prediction = predictions.decode(r.value());
          long now = System.nanoTime();
          note(prediction.getSequence(), now);
          if (keepAnswers) {
            received.add(new Answer(r.partition(), r.offset(), prediction, now));
          }
          count.incrementAndGet();
        }
      }
    } catch (WakeupException e) {
      // closed
    }
  }

  private synchronized void note(long sequence, long nanos) {
    int at = count.get();
    if (at == sequences.length) {
      sequences = Arrays.copyOf(sequences, at * 2);
      receivedNanos = Arrays.copyOf(receivedNanos, at * 2);
    }
    sequences[at] = sequence;
    receivedNanos[at] = nanos;
  }
}
