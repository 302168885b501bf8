package dev.streamcl.bench;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.serving.HotSwaps;
import dev.streamcl.serving.ServingService;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The serving benchmark: a {@link ServingService} on fresh topics serves real-sized models on 28x28 pixels
 * (NMC and KVB by default). (b) Latency at a fixed offered load, open-loop: after a warm-up until serving caught
 * up, a steady phase, then a phase in which new versions of every model arrive as the learner job publishes
 * them (NMC snapshots; KVB sparse deltas and a chunked snapshot every 11th version); a request's latency runs
 * from when it was due to when its last answer was readable by a read_committed reader. (a) Saturation: a fixed
 * count of requests sent as fast as the sender can; answered requests per second from the first send to the last
 * answer. Latency runs first, so that saturation's backlog cannot spill into it. Every figure is under the
 * service's delivery guarantee, printed first.
 */
public final class ServingBench {
  public static final List<String> LEARNERS = List.of(KeyValueBottleneckModel.LEARNER, NearestClassMeanModel.LEARNER);
  private static final String ENCODER = "pixels:28x28";
  /** Saturation requests carry sequences from here, apart from the latency phases'. */
  private static final long SATURATION_SEQUENCES = 1L << 40;
  private static final long WARMUP_SEQUENCES = 2L << 40;

  /**
   * What to run: {@code learners} (of {@link #LEARNERS}) served for {@code streams} streams; {@code perSecond}
   * offered load for {@code warmup} then {@code steady}; {@code swapVersions} new versions of each model of each
   * stream, one every {@code versionEvery}; {@code saturationRequests} sent at once (0: none); {@code serving}
   * overrides the service's Kafka Streams settings.
   */
  public record Settings(int partitions, int streams, List<String> learners, int perSecond, Duration warmup,
      Duration steady, int swapVersions, Duration versionEvery, int saturationRequests, long seed,
      Properties serving) {
    public static Settings quick() {
      return new Settings(2, 2, LEARNERS, 2_000, Duration.ofSeconds(3), Duration.ofSeconds(5), 25,
          Duration.ofMillis(200), 40_000, 42L, new Properties());
    }

    public static Settings full() {
      return new Settings(2, 2, LEARNERS, 2_000, Duration.ofSeconds(5), Duration.ofSeconds(20), 50,
          Duration.ofMillis(200), 200_000, 42L, new Properties());
    }

    public Settings withLearners(List<String> chosen) {
      return new Settings(partitions, streams, chosen.stream().sorted().toList(), perSecond, warmup, steady,
          swapVersions, versionEvery, saturationRequests, seed, serving);
    }

    public Settings withPerSecond(int rate) {
      return new Settings(partitions, streams, learners, rate, warmup, steady, swapVersions, versionEvery,
          saturationRequests, seed, serving);
    }

    public Settings withSaturationRequests(int count) {
      return new Settings(partitions, streams, learners, perSecond, warmup, steady, swapVersions, versionEvery,
          count, seed, serving);
    }

    long swaps() {
      return (long) swapVersions * streams * learners.size();
    }
  }

  /** Latency of one phase in ms (nearest rank), over its answered requests. */
  public record Phase(String name, long requests, long answered, double p50Ms, double p99Ms, double p999Ms,
      double maxMs) {
    String line() {
      return String.format("%-7s %,8d requests, %,8d answered: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f ms", name,
          requests, answered, p50Ms, p99Ms, p999Ms, maxMs);
    }
  }

  /** Everything one run measured, and under which delivery guarantee. */
  public record Result(String guarantee, List<String> learners, int perSecond, Phase steady, Phase swaps,
      double commitsPerSecond, double commitMs, long swapCount, int saturationRequests, double saturationPerSecond,
      double cpuMicrosPerRequest, HotSwaps hotSwaps, ServingFloors.Hop brokerHop, ServingFloors.Hop streamsPassThrough,
      ServingFloors.Hop streamsPassThroughExactlyOnce, ServingFloors.Scoring scoring) {}

  private record Saturation(double perSecond, double cpuMicrosPerRequest) {}

  private record Latency(Phase steady, Phase swaps, double commitsPerSecond, double commitMs) {}

  private ServingBench() {}

  public static Result run(String bootstrap, Settings settings, PrintStream out) throws Exception {
    ClientConfigs clients = ClientConfigs.of(bootstrap);
    Topics topics = new Topics("bench-serving-" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 30), 36));
    KafkaTopics.create(bootstrap, settings.partitions(), topics.requests().name(), topics.modelUpdates().name(),
        topics.servedPredictions().name(), topics.deadLetters().name());
    List<String> streams = streamsOverPartitions(settings.streams(), settings.partitions());
    EncoderSpec encoderSpec = EncoderSpec.parse(ENCODER, ComputeDevice.cpu());
    EncoderIdentity identity;
    try (Encoder encoder = encoderSpec.open()) {
      identity = encoder.identity();
    }
    ServingBenchModels models = new ServingBenchModels(identity, settings.seed());
    String guarantee = settings.serving().getProperty("processing.guarantee",
        clients.exactlyOnce() ? "exactly_once_v2" : "at_least_once");
    out.printf("serving bench: %s, %d partitions, streams %s, learners %s on %s; %s%n", guarantee,
        settings.partitions(), streams, settings.learners(), ENCODER, settings.serving().isEmpty()
            ? "service defaults" : "overrides " + settings.serving());

    Latency latency;
    Saturation saturation;
    HotSwaps hotSwaps;
    try (ServedAnswers answers = ServedAnswers.timesOnly(clients, topics.servedPredictions().name()).start();
        Publisher learner = new Publisher(clients, topics, settings, models, streams);
        ServingService serving = new ServingService(clients, topics, encoderSpec, ComputeDevice.cpu(),
            ServingBenchModels.CLASSES, settings.serving())) {
      long startNanos = System.nanoTime();
      learner.publishVersion(1);
      serving.start();
      awaitServed(serving, streams, settings.learners(), 1);
      out.printf("  v1 of %d models served %.1f s after the start%n", streams.size() * settings.learners().size(),
          (System.nanoTime() - startNanos) / 1e9);
      // A burst first, so the latency phases measure a warm service (a 5 s warm-up left the JIT compiling).
      saturation(clients, topics, settings, streams, models, answers, settings.saturationRequests() / 2,
          WARMUP_SEQUENCES, "warm-up (not counted)", out);
      latency = latencyPhases(clients, topics, settings, streams, models, learner, serving, answers);
      out.printf("  at %,d requests/s offered:%n", settings.perSecond());
      out.println("    " + latency.steady().line());
      out.println("    " + latency.swaps().line() + String.format(" (%d swaps)", settings.swaps()));
      out.printf("    commits meanwhile: %.0f/s, %.1f ms each on average%n", latency.commitsPerSecond(),
          latency.commitMs());
      saturation = saturation(clients, topics, settings, streams, models, answers, settings.saturationRequests(),
          SATURATION_SEQUENCES, "saturation", out);
      hotSwaps = serving.hotSwaps();
      out.printf("  hot swaps %s%n", hotSwaps);
    }
    // After serving, so the broker and the JIT are as warm as they were for serving, and nothing competes.
    ServingFloors.Hop hop = ServingFloors.brokerHop(clients, topics.prefix() + ".broker-hop", settings.partitions(),
        settings.perSecond(), Duration.ofSeconds(1), settings.steady().dividedBy(2));
    out.println("  one plain Kafka hop " + hop.line());
    ServingFloors.Hop passThrough = ServingFloors.streamsPassThrough(clients, topics.prefix(), "at_least_once",
        settings.partitions(), settings.perSecond(), Duration.ofSeconds(1), settings.steady().dividedBy(2));
    out.println("  a pass-through Kafka Streams app (at least once) " + passThrough.line());
    ServingFloors.Hop exactlyOncePassThrough = ServingFloors.streamsPassThrough(clients, topics.prefix(),
        "exactly_once_v2", settings.partitions(), settings.perSecond(), Duration.ofSeconds(1),
        settings.steady().dividedBy(2));
    out.println("  a pass-through Kafka Streams app (exactly once, serving's commit interval) "
        + exactlyOncePassThrough.line());
    ServingFloors.Scoring scoring = ServingFloors.scoring(encoderSpec, scoredModels(models, settings.learners()),
        LongStream.range(0, 64).mapToObj(i -> models.request(streams.get(0), i)).toList(),
        ServingBenchModels.CLASSES, Duration.ofMillis(500), Duration.ofMillis(1500));
    out.printf("  scoring alone (decode, encode, %s; batches of %d, one thread): %,.0f requests/s, %.0f µs each%n",
        String.join(" + ", scoring.learners()), scoring.batch(), scoring.requestsPerSecond(),
        scoring.microsPerRequest());
    return new Result(guarantee, settings.learners(), settings.perSecond(), latency.steady(), latency.swaps(),
        latency.commitsPerSecond(), latency.commitMs(), settings.swaps(), settings.saturationRequests(),
        saturation.perSecond(), saturation.cpuMicrosPerRequest(), hotSwaps, hop, passThrough, exactlyOncePassThrough,
        scoring);
  }

  /** Version 1 of each learner served, whole. */
  private static List<ModelUpdate> scoredModels(ServingBenchModels models, List<String> learners) {
    List<ModelUpdate> whole = new ArrayList<>();
    for (String learner : learners) {
      whole.add(learner.equals(KeyValueBottleneckModel.LEARNER) ? models.kvbSnapshot("floor", 1)
          : models.nmcSnapshot("floor", 1));
    }
    return whole;
  }

  /**
   * Warm-up until serving caught up, the steady phase, then the phase with versions arriving; and Kafka
   * Streams' commits meanwhile (per second, all threads; average duration): under exactly-once they bound
   * latency.
   */
  private static Latency latencyPhases(ClientConfigs clients, Topics topics, Settings settings, List<String> streams,
      ServingBenchModels models, Publisher learner, ServingService serving, ServedAnswers answers)
      throws InterruptedException {
    int rate = settings.perSecond();
    int perRequest = settings.learners().size();
    long planned = (settings.warmup().plus(settings.steady()).toMillis()
        + settings.swapVersions() * settings.versionEvery().toMillis()) * rate / 1000 + 120L * rate;
    try (OpenLoopRequester load = new OpenLoopRequester(OpenLoopRequester.producerConfig(clients),
        topics.requests().name(), settings.partitions(), streams, rate, Math.toIntExact(planned), models::request)) {
      load.start();
      long before = answers.count();
      long steadyFrom = load.awaitCaughtUp(answers, before, settings.warmup().toMillis() * rate / 1000, perRequest);
      double commitsBefore = threadMetric(serving, "commit-total");
      long measuredFrom = System.nanoTime();
      load.awaitSent(steadyFrom + settings.steady().toMillis() * rate / 1000);
      long swapFrom = load.sent();
      long next = System.nanoTime();
      for (long version = 2; version <= 1 + settings.swapVersions(); version++) {
        learner.publishVersion(version);
        next += settings.versionEvery().toNanos();
        Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
      }
      awaitServed(serving, streams, settings.learners(), 1 + settings.swapVersions());
      long swapTo = load.sent();
      double commitsPerSecond = (threadMetric(serving, "commit-total") - commitsBefore) * 1e9
          / (System.nanoTime() - measuredFrom);
      load.stop();
      answers.awaitCount(before + load.sent() * perRequest, Duration.ofSeconds(120));
      long[] readable = answers.lastAnswerNanos(0, load.sent(), perRequest);
      return new Latency(phase("steady", load, readable, steadyFrom, swapFrom),
          phase("swaps", load, readable, swapFrom, swapTo), commitsPerSecond, averageCommitMs(serving));
    }
  }

  /**
   * Answered requests per second, from the first request's send to the last request's last answer, and the CPU
   * time this JVM (broker, clients and serving together) spent per request meanwhile.
   */
  private static Saturation saturation(ClientConfigs clients, Topics topics, Settings settings, List<String> streams,
      ServingBenchModels models, ServedAnswers answers, int count, long firstSequence, String phase, PrintStream out)
      throws InterruptedException {
    if (count == 0) {
      return new Saturation(Double.NaN, Double.NaN);
    }
    int perRequest = settings.learners().size();
    long cpuBefore = processCpuNanos();
    Properties producer = OpenLoopRequester.producerConfig(clients);
    producer.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    int before = answers.count();
    try (OpenLoopRequester load = new OpenLoopRequester(producer, topics.requests().name(), settings.partitions(),
        streams, 100_000_000, count, (stream, i) -> models.request(stream, firstSequence + i))) {
      load.start();
      load.awaitSent(count);
      load.stop();
      answers.awaitCount(before + (long) count * perRequest, Duration.ofMinutes(10));
      long[] readable = answers.lastAnswerNanos(firstSequence, count, perRequest);
      long last = Arrays.stream(readable).max().orElse(0);
      long answered = Arrays.stream(readable).filter(t -> t > 0).count();
      Saturation saturation = new Saturation(answered * 1e9 / (last - load.dueNanos(0)),
          (processCpuNanos() - cpuBefore) / 1e3 / count);
      out.printf("  %s: %,d of %,d requests answered at %,.0f requests/s; this JVM's CPU %.0f µs per "
          + "request%n", phase, answered, count, saturation.perSecond(), saturation.cpuMicrosPerRequest());
      return saturation;
    }
  }

  /** A stream-thread metric of Kafka Streams, summed over its threads. */
  private static double threadMetric(ServingService serving, String name) {
    return threadMetrics(serving, name).stream().mapToDouble(Double::doubleValue).sum();
  }

  /** Kafka Streams' average commit duration (its last 30 s or so), averaged over the threads that committed. */
  private static double averageCommitMs(ServingService serving) {
    return threadMetrics(serving, "commit-latency-avg").stream().mapToDouble(Double::doubleValue).average()
        .orElse(Double.NaN);
  }

  /** The values (NaN left out) of a Kafka Streams thread metric, one per stream thread. */
  private static List<Double> threadMetrics(ServingService serving, String name) {
    List<Double> values = new ArrayList<>();
    for (Map.Entry<MetricName, ? extends Metric> metric : serving.metrics().entrySet()) {
      if (metric.getKey().group().equals("stream-thread-metrics") && metric.getKey().name().equals(name)
          && metric.getValue().metricValue() instanceof Double value && !value.isNaN()) {
        values.add(value);
      }
    }
    return values;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static Phase phase(String name, OpenLoopRequester load, long[] readable, long from, long to) {
    long[] latencies = new long[Math.toIntExact(to - from)];
    int n = 0;
    for (long seq = from; seq < to; seq++) {
      if (readable[(int) seq] > 0) {
        latencies[n++] = readable[(int) seq] - load.dueNanos(seq);
      }
    }
    Arrays.sort(latencies, 0, n);
    return new Phase(name, to - from, n, rankMs(latencies, n, 0.50), rankMs(latencies, n, 0.99),
        rankMs(latencies, n, 0.999), n == 0 ? Double.NaN : latencies[n - 1] / 1e6);
  }

  private static double rankMs(long[] sorted, int n, double quantile) {
    return n == 0 ? Double.NaN : sorted[Math.max(0, (int) Math.ceil(quantile * n) - 1)] / 1e6;
  }

  private static void awaitServed(ServingService serving, List<String> streams, List<String> learners, long version)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    for (String stream : streams) {
      for (String learner : learners) {
        while (serving.servedVersion(stream, learner) < version) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(stream + "/" + learner + " never served v" + version + "; serving is "
                + serving.state());
          }
          Thread.sleep(2);
        }
      }
    }
  }

  /** {@code count} stream ids spread evenly over the partitions, so every serving task has work. */
  static List<String> streamsOverPartitions(int count, int partitions) {
    List<String> streams = new ArrayList<>();
    Map<Integer, Integer> perPartition = new HashMap<>();
    for (int i = 0; streams.size() < count; i++) {
      String id = "s" + i;
      int partition = StreamPartitioning.partitionFor(id, partitions);
      if (perPartition.getOrDefault(partition, 0) <= streams.size() / partitions) {
        perPartition.merge(partition, 1, Integer::sum);
        streams.add(id);
      }
    }
    return streams;
  }

  /**
   * Publishes versions of every model of every stream, one transaction per version, as the learner job does.
   * Every version is encoded before the measured phases: building a KVB snapshot (its portable model) costs
   * the learner, not serving, and must not take the shared cores from serving meanwhile.
   */
  private static final class Publisher implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final List<String> learners;
    private final ServingBenchModels models;
    private final Map<String, ModelUpdate> kvbBase = new HashMap<>();
    private final EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    private final List<List<ProducerRecord<String, byte[]>>> versions = new ArrayList<>();

    Publisher(ClientConfigs clients, Topics topics, Settings settings, ServingBenchModels models,
        List<String> streams) {
      this.producer = new KafkaProducer<>(learnerSink(clients, "bench-serving-learner-" + topics.prefix()));
      this.learners = settings.learners();
      this.models = models;
      for (long version = 1; version <= 1 + settings.swapVersions(); version++) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (String stream : streams) {
          for (ModelUpdate update : updates(stream, version)) {
            records.add(new ProducerRecord<>(topics.modelUpdates().name(),
                StreamPartitioning.partitionFor(stream, settings.partitions()),
                Topics.modelKey(stream, update.getLearner()), codec.encode(update)));
          }
        }
        versions.add(records);
      }
      producer.initTransactions();
    }

    void publishVersion(long version) {
      producer.beginTransaction();
      versions.get((int) version - 1).forEach(producer::send);
      producer.commitTransaction();
    }

    private List<ModelUpdate> updates(String stream, long version) {
      List<ModelUpdate> updates = new ArrayList<>();
      if (learners.contains(KeyValueBottleneckModel.LEARNER)) {
        updates.addAll(kvb(stream, version));
      }
      if (learners.contains(NearestClassMeanModel.LEARNER)) {
        updates.add(models.nmcSnapshot(stream, version));
      }
      return updates;
    }

    /** As the learner job: a snapshot, then {@code KeyValueBottleneckLearner}'s default number of deltas. */
    private List<ModelUpdate> kvb(String stream, long version) {
      if ((version - 1) % (KeyValueBottleneckLearner.Settings.DEFAULT_SNAPSHOT_EVERY + 1) != 0) {
        return List.of(models.kvbDelta(kvbBase.get(stream), version));
      }
      List<ModelUpdate> chunks = models.kvbSnapshotChunks(stream, version);
      kvbBase.put(stream, chunks.get(0));
      return chunks;
    }

    /** The learner job's sink settings (uncompressed batches: gzip here would take the shared cores). */
    private static Properties learnerSink(ClientConfigs clients, String transactionalId) {
      Properties config = KafkaLearnerJob.sinkProducer(clients);
      config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
      config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
      config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      return config;
    }

    @Override
    public void close() {
      producer.close(Duration.ofSeconds(10));
    }
  }

  /**
   * Runs the benchmark on an in-process broker: {@code [--quick] [--learners nmc,kvb] [--rate N]
   * [--saturation N] [--serving key=value ...] [--broker key=value ...]}.
   */
  public static void main(String[] args) throws Exception {
    Settings settings = Settings.full();
    Properties serving = new Properties();
    EmbeddedKafkaBroker.Builder broker = EmbeddedKafkaBroker.builder();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> settings = Settings.quick().withLearners(settings.learners())
            .withPerSecond(settings.perSecond());
        case "--learners" -> settings = settings.withLearners(List.of(args[++i].split(",")));
        case "--rate" -> settings = settings.withPerSecond(Integer.parseInt(args[++i]));
        case "--saturation" -> settings = settings.withSaturationRequests(Integer.parseInt(args[++i]));
        case "--serving" -> put(serving, args[++i]);
        case "--broker" -> {
          String[] kv = args[++i].split("=", 2);
          broker.property(kv[0], kv[1]);
        }
        default -> throw new IllegalArgumentException("Unknown argument " + args[i] + "; use [--quick] "
            + "[--learners nmc,kvb] [--rate N] [--saturation N] [--serving key=value] [--broker key=value]");
      }
    }
    settings.serving().putAll(serving);
    try (EmbeddedKafkaBroker started = broker.partitions(settings.partitions()).start()) {
      run(started.bootstrap(), settings, System.out);
    }
    System.exit(0);
  }

  private static void put(Properties properties, String keyValue) {
    String[] kv = keyValue.split("=", 2);
    properties.put(kv[0], kv[1]);
  }
}
