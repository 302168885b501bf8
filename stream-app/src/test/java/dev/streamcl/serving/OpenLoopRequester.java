package dev.streamcl.serving;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends requests at a fixed rate, open-loop: request {@code i} is due at {@code start + i / rate}, whether
 * or not earlier ones were answered, and its latency counts from that due time (a stalled sender cannot
 * hide a stall). Request {@code i} goes to stream {@code i mod streams} with sequence {@code i}.
 */
final class OpenLoopRequester implements AutoCloseable {
  private static final byte[][] PROBES = {
      ServingFixtures.image(250, 25, 1, 50), ServingFixtures.image(25, 250, 50, 1),
      ServingFixtures.image(1, 50, 250, 25), ServingFixtures.image(50, 1, 25, 250),
      ServingFixtures.image(180, 90, 20, 40), ServingFixtures.image(30, 170, 100, 10),
      ServingFixtures.image(10, 60, 200, 120), ServingFixtures.image(120, 20, 60, 190)};
  private final KafkaProducer<String, byte[]> producer;
  private final String topic;
  private final List<String> streams;
  private final int partitions;
  private final long periodNanos;
  private final long[] dueNanos;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong sendFailures = new AtomicLong();
  private final Thread thread;
  private volatile boolean stopped;

  OpenLoopRequester(ClientConfigs clients, String topic, int partitions, List<String> streams, int perSecond,
      int capacity) {
    this.producer = new KafkaProducer<>(clients.producer(null));
    this.topic = topic;
    this.partitions = partitions;
    this.streams = streams;
    this.periodNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
    this.dueNanos = new long[capacity];
    this.thread = new Thread(this::sendAtRate, "open-loop-requester");
  }

  OpenLoopRequester start() {
    thread.start();
    return this;
  }

  /** The pixels request {@code sequence} carries: one of eight images, each clearly nearest one class mean. */
  static byte[] pixels(long sequence) {
    return PROBES[(int) (sequence % PROBES.length)];
  }

  String stream(long sequence) {
    return streams.get((int) (sequence % streams.size()));
  }

  long sent() {
    return sent.get();
  }

  long sendFailures() {
    return sendFailures.get();
  }

  /** When request {@code sequence} was due, on the {@link System#nanoTime} clock. */
  long dueNanos(long sequence) {
    return dueNanos[(int) sequence];
  }

  /** Waits until {@code count} requests went out (the load's own clock: count / rate seconds of load). */
  void awaitSent(long count) throws InterruptedException {
    while (sent.get() < count) {
      if (!thread.isAlive()) {
        throw new IllegalStateException("the requester stopped after " + sent.get() + " requests");
      }
      Thread.sleep(5);
    }
  }

  /** Stops sending and waits until every request sent was acknowledged by the broker. */
  void stop() throws InterruptedException {
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
    EventCodec<Sample> samples = EventCodec.samples();
    long start = System.nanoTime();
    for (int i = 0; !stopped && i < dueNanos.length; i++) {
      long due = start + i * periodNanos;
      long wait;
      while ((wait = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(wait);
      }
      dueNanos[i] = due;
      String stream = stream(i);
      Sample request = ServingFixtures.request(stream, i, null, 2, 2, pixels(i));
      producer.send(new ProducerRecord<>(topic, StreamPartitioning.partitionFor(stream, partitions), stream,
          samples.encode(request)), (metadata, e) -> {
            if (e != null) {
              sendFailures.incrementAndGet();
            }
          });
      sent.incrementAndGet();
    }
  }
}
