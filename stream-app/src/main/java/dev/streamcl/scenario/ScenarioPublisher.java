package dev.streamcl.scenario;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaTopics;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.function.LongFunction;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Writes a scenario's training stream to the samples topic (key: stream id) and its test set to
 * {@code <prefix>.test.<scenario>} (key: scenario name, so it is written once for all streams), in
 * transactions. Idempotent: each run first reads the last committed record of its key and resumes
 * after its sequence number, so a crashed run completes and a finished one writes nothing.
 */
public final class ScenarioPublisher {
  public static final String SCENARIO_HEADER = "streamcl.scenario";
  public static final String SEED_HEADER = "streamcl.seed";
  /** {@link Scenario#variant()}, e.g. the blend window of a task-free scenario. */
  public static final String VARIANT_HEADER = "streamcl.variant";
  public static final String PER_TASK_HEADER = "streamcl.samples-per-task";
  public static final int DEFAULT_COMMIT_EVERY = 5_000;
  /** A held-out set is read again by every evaluation, so it must outlive the default 7-day retention. */
  static final Map<String, String> TEST_TOPIC_CONFIGS = Map.of("retention.ms", "-1");

  private final ClientConfigs clients;
  private final Topics topics;
  private final int partitions;
  private final int commitEvery;
  private final boolean progress;
  private final EventCodec<Sample> codec = EventCodec.samples();

  /** What one topic got: records written by this run and records found already there. */
  public record Counts(String topic, long written, long skipped) {}

  public record Report(Counts training, Counts test) {}

  /**
   * @param partitions partition count of topics this creates (existing topics keep theirs)
   * @param progress draw a progress bar on stderr
   */
  public ScenarioPublisher(ClientConfigs clients, Topics topics, int partitions, int commitEvery, boolean progress) {
    if (partitions < 1 || commitEvery < 1) {
      throw new IllegalArgumentException("partitions and commitEvery must be positive");
    }
    this.clients = clients;
    this.topics = topics;
    this.partitions = partitions;
    this.commitEvery = commitEvery;
    this.progress = progress;
  }

  public Report publish(Scenario scenario, String streamId) {
    String testKey = scenario.name();
    try (Target training = open(scenario, topics.samples().name(), streamId, Map.of(), scenario.trainingSize(),
            seq -> scenario.trainingSample(streamId, seq), true);
        Target test = open(scenario, topics.test(scenario.name()).name(), testKey, TEST_TOPIC_CONFIGS,
            scenario.testSize(), seq -> scenario.testSample(testKey, seq), scenario.testSetDependsOnSeed())) {
      // Both checked before either is written: a mismatch must leave the topics untouched.
      return new Report(training.writeRemaining(), test.writeRemaining());
    }
  }

  /**
   * Writes {@code count} unlabelled training images drawn uniformly (by the scenario's seed) from the
   * whole training set to {@code topic}, a learner's warm-up topic: e.g. keys for a KVB learner that see
   * every class, without using any label. Resumes and refuses a different seed like {@link #publish}.
   */
  public Counts publishUnlabelled(Scenario scenario, String streamId, String topic, int count) {
    int[] positions = keyInitPositions(scenario, count);
    try (Target keyInit = open(scenario, topic, streamId, Map.of(), positions.length,
        seq -> unlabelled(scenario.trainingSample(streamId, positions[(int) seq]), seq), true)) {
      return keyInit.writeRemaining();
    }
  }

  private static int[] keyInitPositions(Scenario scenario, int count) {
    int[] positions = IntStream.range(0, Math.toIntExact(scenario.trainingSize())).toArray();
    // "key": its own draw, not the training order's.
    ScenarioSamples.fisherYates(positions, new Random(scenario.seed() ^ 0x6b6579L));
    return Arrays.copyOf(positions, Math.min(count, positions.length));
  }

  private static Sample unlabelled(Sample sample, long sequence) {
    return Sample.newBuilder(sample).setSequence(sequence).setLabel(null).setTaskId(null).build();
  }

  private Target open(Scenario scenario, String topic, String key, Map<String, String> topicConfigs, long size,
      LongFunction<Sample> samples, boolean seedMatters) {
    int partitionCount = KafkaTopics.create(clients.admin(), partitions, List.of(topic), topicConfigs).get(topic);
    TopicPartition partition = new TopicPartition(topic, StreamPartitioning.partitionFor(key, partitionCount));
    KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(topic, key));
    try {
      // Fences an earlier run with the same id and aborts its open transaction before we look.
      producer.initTransactions();
      long next = resumePoint(scenario, partition, key, seedMatters);
      return new Target(partition, key, size, next, samples, headers(scenario), producer);
    } catch (RuntimeException e) {
      producer.close();
      throw e;
    }
  }

  private Properties producerConfig(String topic, String key) {
    Properties config = clients.producer("streamcl-publisher-" + topic + "-" + key);
    config.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
    return config;
  }

  /** The sequence number to write next: one after the last committed record of this key. */
  private long resumePoint(Scenario scenario, TopicPartition partition, String key, boolean seedMatters) {
    Optional<ConsumerRecord<String, byte[]>> last = CommittedTail.lastRecordOf(clients.consumer(null), partition, key);
    if (last.isEmpty()) {
      return 0;
    }
    checkSameScenario(scenario, last.get(), key, seedMatters);
    return codec.decode(last.get().value()).getSequence() + 1;
  }

  private void checkSameScenario(Scenario scenario, ConsumerRecord<String, byte[]> last, String key,
      boolean seedMatters) {
    String foundScenario = header(last, SCENARIO_HEADER);
    String foundSeed = header(last, SEED_HEADER);
    String foundPerTask = header(last, PER_TASK_HEADER);
    String foundVariant = header(last, VARIANT_HEADER);
    boolean same = scenario.name().equals(foundScenario)
        && perTask(scenario).equals(foundPerTask)
        && variant(scenario).equals(foundVariant)
        && (!seedMatters || Long.toString(scenario.seed()).equals(foundSeed));
    if (!same) {
      throw new ScenarioMismatchException("Topic " + last.topic() + " already holds '" + key + "' written as scenario "
          + foundScenario + " with seed " + foundSeed + ", samples per task " + foundPerTask + " and variant "
          + foundVariant + "; this run is " + scenario.name() + " with seed " + scenario.seed() + ", samples per task "
          + perTask(scenario) + " and variant " + variant(scenario)
          + ". Writing on would mix two streams: use another --topic-prefix, or delete the topics "
          + topics.samples().name() + " and " + topics.test(scenario.name()).name() + ".");
    }
  }

  private static String header(ConsumerRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? "(none)" : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static String perTask(Scenario scenario) {
    return scenario.samplesPerTask() == 0 ? "all" : Integer.toString(scenario.samplesPerTask());
  }

  /**
   * As the header reads; "(none)" when the scenario has no variant (and for topics written before the header
   * existed).
   */
  private static String variant(Scenario scenario) {
    return scenario.variant().isEmpty() ? "(none)" : scenario.variant();
  }

  private static List<Header> headers(Scenario scenario) {
    List<Header> headers = new java.util.ArrayList<>(List.of(
        new RecordHeader(SCENARIO_HEADER, scenario.name().getBytes(StandardCharsets.UTF_8)),
        new RecordHeader(SEED_HEADER, Long.toString(scenario.seed()).getBytes(StandardCharsets.UTF_8)),
        new RecordHeader(PER_TASK_HEADER, perTask(scenario).getBytes(StandardCharsets.UTF_8))));
    if (!scenario.variant().isEmpty()) {
      headers.add(new RecordHeader(VARIANT_HEADER, scenario.variant().getBytes(StandardCharsets.UTF_8)));
    }
    return headers;
  }

  /** One topic's key to be completed, with its producer already initialised. */
  private final class Target implements AutoCloseable {
    private final TopicPartition partition;
    private final String key;
    private final long size;
    private final long next;
    private final LongFunction<Sample> samples;
    private final List<Header> headers;
    private final KafkaProducer<String, byte[]> producer;

    Target(TopicPartition partition, String key, long size, long next, LongFunction<Sample> samples,
        List<Header> headers, KafkaProducer<String, byte[]> producer) {
      this.partition = partition;
      this.key = key;
      this.size = size;
      this.next = next;
      this.samples = samples;
      this.headers = headers;
      this.producer = producer;
    }

    Counts writeRemaining() {
      long toWrite = Math.max(0, size - next);
      ProgressBar bar = progress ? ProgressBar.onStderr(partition.topic(), toWrite) : ProgressBar.silent();
      long written = 0;
      producer.beginTransaction();
      for (long sequence = next; sequence < size; sequence++) {
        byte[] value = codec.encode(samples.apply(sequence));
        producer.send(new ProducerRecord<>(partition.topic(), partition.partition(), null, key, value, headers));
        if (++written % commitEvery == 0) {
          producer.commitTransaction();
          producer.beginTransaction();
        }
        bar.update(written);
      }
      producer.commitTransaction();
      bar.finish(written);
      return new Counts(partition.topic(), written, Math.min(next, size));
    }

    @Override
    public void close() {
      producer.close();
    }
  }
}
