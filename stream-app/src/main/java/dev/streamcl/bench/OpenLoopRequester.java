package dev.streamcl.bench;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends requests at a fixed rate, open-loop: request {@code i} is due at {@code start + i / rate}, whether
 * or not earlier ones were answered, and its latency counts from that due time (a stalled sender cannot
 * hide a stall). Request {@code i} goes to stream {@code i mod streams} with sequence {@code i}.
 */
public final class OpenLoopRequester implements AutoCloseable {
  /** The encoded request with sequence {@code sequence} for {@code stream}. */
  @FunctionalInterface
  public interface Requests {
    byte[] encoded(String stream, long sequence);
  }

  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final List<String> streams;
  private final int partitions;
  private final Requests requests;
  private final long periodNanos;
  private final long[] dueNanos;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();
  private final Thread thread;
  private volatile boolean stopped;

  /** {@code capacity} bounds the requests sent; {@code perSecond} may exceed what the sender can do (saturation). */
  public OpenLoopRequester(Properties producerConfig, String topic, int partitions, List<String> streams,
      int perSecond, int capacity, Requests requests) {
    this.producer = new KafkaProducer<>(producerConfig);
    this.topic = topic;
    this.partitions = partitions;
    this.streams = streams;
    this.requests = requests;
    this.periodNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
    this.dueNanos = new long[capacity];
    this.thread = new Thread(this::sendAtRate, "open-loop-requester");
  }

  /**
   * A client's producer that sends each request at once (linger 0: a request waiting for a batch would count
   * as serving latency) and uncompressed (on loopback the client's codec is not serving's cost).
   */
  public static Properties producerConfig(ClientConfigs clients) {
    Properties config = clients.producer(null);
    config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    return config;
  }

  public OpenLoopRequester start() {
    thread.start();
    return this;
  }

  public String stream(long sequence) {
    return streams.get((int) (sequence % streams.size()));
  }

  public long sent() {
    return sent.get();
  }

  public long sendFailures() {
    return sendFailures.get();
  }

  /** When request {@code sequence} was due, on the {@link System#nanoTime} clock. */
  public long dueNanos(long sequence) {
    return dueNanos[(int) sequence];
  }

  /** Waits until {@code count} requests went out (the load's own clock: count / rate seconds of load). */
  public void awaitSent(long count) throws InterruptedException {
    while (sent.get() < count) {
      if (!thread.isAlive()) {
        throw new IllegalStateException("the requester stopped after " + sent.get() + " requests");
      }
      Thread.sleep(5);
    }
  }

  /**
   * Waits until {@code count} requests went out and serving caught up with the load (after a warm-up: JIT,
   * first transactions): the requests sent up to a moment all have their {@code answersPerRequest} answers less
   * than half a second of load later, or a minute passed. Returns the requests sent by then.
   */
  public long awaitCaughtUp(ServedAnswers answers, long count, int answersPerRequest) throws InterruptedException {
    return awaitCaughtUp(answers, 0, count, answersPerRequest);
  }

  /** As {@link #awaitCaughtUp(ServedAnswers, long, int)}, where {@code answers} held {@code before} answers. */
  public long awaitCaughtUp(ServedAnswers answers, long before, long count, int answersPerRequest)
      throws InterruptedException {
    awaitSent(count);
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    long mark = sent();
    while (true) {
      answers.awaitCount(before + mark * answersPerRequest, Duration.ofMinutes(1));
      long now = sent();
      if (now - mark < TimeUnit.SECONDS.toNanos(1) / periodNanos / 2 || System.nanoTime() > deadline) {
        return now;
      }
      mark = now;
    }
  }

  /** Stops sending and waits until every request sent was acknowledged by the broker. */
  public void stop() throws InterruptedException {
    stopped = true;
    thread.join();
    producer.flush();
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.join();
    producer.close(Duration.ofSeconds(10));
  }

  private void sendAtRate() {
    long start = System.nanoTime();
    for (int i = 0; !stopped && i < dueNanos.length; i++) {
      long due = start + i * periodNanos;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      dueNanos[i] = due;
      String stream = stream(i);
      producer.send(new ProducerRecord<>(topic, StreamPartitioning.partitionFor(stream, partitions), stream,
          requests.encoded(stream, i)), (metadata, e) -> {
            if (e != null) {
              sendFailures.incrementAndGet();
            }
          });
      sent.incrementAndGet();
    }
  }
}
