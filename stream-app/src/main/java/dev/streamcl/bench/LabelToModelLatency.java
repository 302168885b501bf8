package dev.streamcl.bench;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Sample;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Label-to-model latency: an unbounded {@code streamcl learn} (its own JVM, default checkpoint
 * interval) learns labelled samples sent at a steady rate; a read_committed reader notes when each
 * model version becomes readable. A sample's latency runs from its append to the first readable
 * version whose source offset reaches it.
 */
final class LabelToModelLatency {
  record Result(String learner, int samplesPerSecond, int publishEvery, long checkpointIntervalMs, int samples,
      double p50Ms, double p99Ms, double maxMs) {}

  /** A model version became readable at {@code at}, reflecting the samples up to {@code offset}. */
  record Seen(long offset, long at) {}

  /** A sample was appended at {@code offset} at time {@code at}. */
  record Sent(long offset, long at) {}

  private LabelToModelLatency() {}

  static Result run(ClientConfigs clients, Scenario scenario, String learner, int perSecond, Duration measured,
      int publishEvery, long checkpointIntervalMs, Path workDir) throws Exception {
    Topics topics = new Topics("bench-latency-" + learner);
    String samplesTopic = topics.samples().name();
    KafkaTopics.create(clients.admin(), Bench.PARTITIONS, List.of(samplesTopic, topics.predictions().name(),
        topics.modelUpdates().name(), topics.deadLetters().name(), topics.alerts().name()));
    int partition = StreamPartitioning.partitionFor(Bench.STREAM, Bench.PARTITIONS);
    List<Seen> seen = new CopyOnWriteArrayList<>();
    List<String> args = List.of("learn", "--bootstrap", clients.bootstrap(), "--topic-prefix", topics.prefix(),
        "--fresh", "--checkpoint-dir", Files.createDirectories(workDir.resolve("checkpoints-latency")).toString(),
        "--learners", learner, "--publish-every", Integer.toString(publishEvery),
        "--checkpoint-interval-ms", Long.toString(checkpointIntervalMs));
    try (ChildJvm job = ChildJvm.streamcl(args, workDir.resolve("learn-latency.log"));
        VersionReader versions = new VersionReader(clients, topics.modelUpdates().name(), samplesTopic, seen);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(clients))) {
      versions.start();
      Pacer pacer = new Pacer(producer, scenario, samplesTopic, partition, perSecond);
      Future<RecordMetadata> latest = pacer.sendNext();
      while (seen.isEmpty()) {
        latest = pacer.sendNext(); // the job starts: wait for its first readable version
      }
      long backlog = latest.get().offset();
      while (newestSeen(seen) < backlog) {
        pacer.sendNext(); // and until it has caught up with what was sent while it started
      }
      pacer.restartClock();
      List<Future<RecordMetadata>> measuredSends = new ArrayList<>();
      long until = System.nanoTime() + measured.toNanos();
      while (System.nanoTime() < until) {
        measuredSends.add(pacer.sendNext());
      }
      List<Sent> sent = new ArrayList<>();
      for (Future<RecordMetadata> send : measuredSends) {
        RecordMetadata appended = send.get(); // its timestamp is the create time the pacer set at send
        sent.add(new Sent(appended.offset(), appended.timestamp()));
      }
      long last = sent.get(sent.size() - 1).offset();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (newestSeen(seen) < last && System.nanoTime() < deadline) {
        pacer.sendNext(); // later samples close the last version
      }
      return summary(learner, perSecond, publishEvery, checkpointIntervalMs, sent, List.copyOf(seen));
    }
  }

  private static long newestSeen(List<Seen> seen) {
    return seen.isEmpty() ? -1 : seen.get(seen.size() - 1).offset();
  }

  private static Result summary(String learner, int perSecond, int publishEvery, long checkpointMs, List<Sent> sent,
      List<Seen> seen) {
    double[] latencies = latencies(sent, seen);
    return new Result(learner, perSecond, publishEvery, checkpointMs, latencies.length,
        percentile(latencies, 0.50), percentile(latencies, 0.99), latencies[latencies.length - 1]);
  }

  /**
   * Per sample, sorted: from its append to the first readable version (in the order they became readable)
   * that reflects its offset; samples no version reached are left out.
   */
  static double[] latencies(List<Sent> sent, List<Seen> seen) {
    return sent.stream().mapToDouble(s -> seen.stream().filter(v -> v.offset() >= s.offset()).findFirst()
        .map(v -> (double) (v.at() - s.at())).orElse(Double.NaN)).filter(d -> !Double.isNaN(d)).sorted().toArray();
  }

  /** The nearest-rank percentile of sorted values. */
  static double percentile(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }

  private static Properties producerConfig(ClientConfigs clients) {
    Properties config = clients.producer(null);
    config.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    // One batch in flight: the topic is seconds old, and when its first batch came back NOT_LEADER_OR_FOLLOWER
    // while the next was already appended, the broker refused the first one's retry as out of order until the
    // 2-minute delivery timeout (bench logs of 3 December: 124 OutOfOrderSequenceException, a phase 2 min longer).
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
    return config;
  }

  /** Sends the scenario's samples (round and round) at a fixed rate, on a schedule that does not drift. */
  private static final class Pacer {
    private final KafkaProducer<String, byte[]> producer;
    private final Scenario scenario;
    private final String topic;
    private final int partition;
    private final long intervalNanos;
    private final EventCodec<Sample> codec = EventCodec.samples();
    private long sequence;
    private long startNanos = System.nanoTime();
    private long sentSinceStart;

    Pacer(KafkaProducer<String, byte[]> producer, Scenario scenario, String topic, int partition, int perSecond) {
      this.producer = producer;
      this.scenario = scenario;
      this.topic = topic;
      this.partition = partition;
      this.intervalNanos = 1_000_000_000L / perSecond;
    }

    void restartClock() {
      startNanos = System.nanoTime();
      sentSinceStart = 0;
    }

    Future<RecordMetadata> sendNext() {
      waitForSchedule();
      Sample sample = Sample.newBuilder(scenario.trainingSample(Bench.STREAM, sequence % scenario.trainingSize()))
          .setSequence(sequence++).build();
      sentSinceStart++;
      return producer.send(new ProducerRecord<>(topic, partition, System.currentTimeMillis(), Bench.STREAM,
          codec.encode(sample)));
    }

    private void waitForSchedule() {
      long due = startNanos + sentSinceStart * intervalNanos;
      while (System.nanoTime() < due) {
        LockSupport.parkNanos(Math.min(due - System.nanoTime(), 200_000));
      }
    }
  }

  /** Notes, per readable model version, the newest sample offset it reflects and when it became readable. */
  private static final class VersionReader implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> consumer;
    private final String samplesTopic;
    private final List<Seen> seen;
    private final Thread thread;
    private volatile boolean running = true;

    VersionReader(ClientConfigs clients, String modelUpdates, String samplesTopic, List<Seen> seen) {
      Properties config = clients.consumer(null);
      config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
      consumer = new KafkaConsumer<>(config);
      List<TopicPartition> partitions = consumer.partitionsFor(modelUpdates).stream()
          .map(p -> new TopicPartition(modelUpdates, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      this.samplesTopic = samplesTopic;
      this.seen = seen;
      thread = new Thread(this::read, "model-version-reader");
    }

    void start() {
      thread.start();
    }

    private void read() {
      EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(5))) {
          long at = System.currentTimeMillis();
          ModelUpdate update = codec.decode(record.value());
          update.getSourceOffsets().stream().filter(o -> o.getTopic().equals(samplesTopic))
              .mapToLong(SourceOffset::getOffset).max().ifPresent(offset -> seen.add(new Seen(offset, at)));
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
      consumer.close();
    }
  }
}
