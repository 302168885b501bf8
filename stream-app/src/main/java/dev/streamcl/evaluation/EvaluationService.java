package dev.streamcl.evaluation;

import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.flink.PublishProgress;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.MissingTopicException;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The evaluator as a service: follows the model-updates topic while learners publish, and evaluates
 * each evaluation point once its version is whole: every K-th version, the last version trained
 * through each task (known when the next version starts a later task), the version published at the
 * end of the input, and the newest version of each model once the topic has been idle for a while
 * (a bounded run may end on an interval version). A version counts as evaluated when its
 * whole-test-set result, written last, is on the eval topic, so a restart finishes what a crash cut off.
 */
public final class EvaluationService implements Runnable, AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(200);

  private final ClientConfigs clients;
  private final Topics topics;
  private final Evaluator evaluator;
  private final String streamId;
  private final int everyVersions;
  private final long idleNanos;
  private final Map<String, WholeModels> models = new HashMap<>();
  /** Per model: the newest whole version, kept until the next one tells whether it ended a task. */
  private final Map<String, ModelUpdate> previous = new HashMap<>();
  private final Set<String> evaluated = ConcurrentHashMap.newKeySet();
  private final AtomicLong evaluatedVersions = new AtomicLong();
  private final AtomicLong idleChecks = new AtomicLong();
  private final Map<String, Long> newestEvaluated = new ConcurrentHashMap<>();
  private volatile KafkaConsumer<String, byte[]> consumer;
  private volatile boolean stopped;
  private volatile boolean caughtUp;
  private volatile Exception failure;

  /**
   * @param streamId the stream to evaluate, or null for every stream
   * @param idle how long the topic must stay quiet before the newest versions are evaluated; longer
   *     than a few checkpoint intervals, since versions only become readable at checkpoints
   */
  public EvaluationService(ClientConfigs clients, Topics topics, Evaluator evaluator, String streamId,
      int everyVersions, Duration idle) {
    Evaluator.requirePositive(everyVersions);
    this.clients = clients;
    this.topics = topics;
    this.evaluator = evaluator;
    this.streamId = streamId;
    this.everyVersions = everyVersions;
    this.idleNanos = idle.toNanos();
  }

  /** Versions evaluated since start (a gauge for operators and tests). */
  public long evaluatedVersions() {
    return evaluatedVersions.get();
  }

  /** The newest evaluated version of "stream/learner", or 0. */
  public long newestEvaluated(String stream, String learner) {
    return newestEvaluated.getOrDefault(stream + "/" + learner, 0L);
  }

  /** How often the topic stayed quiet long enough for the newest versions to be evaluated. */
  public long idleChecks() {
    return idleChecks.get();
  }

  /** Whether the service has read every update published before it started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** Why {@link #run()} ended, if it failed; null otherwise. */
  public Exception failure() {
    return failure;
  }

  @Override
  public void run() {
    try (KafkaConsumer<String, byte[]> reading = new KafkaConsumer<>(clients.consumer(null)); evaluator) {
      consumer = reading;
      if (stopped) {
        return;
      }
      rememberEvaluatedVersions();
      Map<TopicPartition, Long> endAtStart = assignFromBeginning(reading);
      long lastArrival = System.nanoTime();
      while (!stopped) {
        ConsumerRecords<String, byte[]> records = reading.poll(POLL);
        if (!records.isEmpty()) {
          lastArrival = System.nanoTime();
        } else if (System.nanoTime() - lastArrival > idleNanos) {
          evaluateNewestVersions();
          lastArrival = System.nanoTime();
          idleChecks.incrementAndGet();
        }
        for (ConsumerRecord<String, byte[]> record : records) {
          took(EventCodec.modelUpdates().decode(record.value()));
        }
        caughtUp = caughtUp || reached(reading, endAtStart);
      }
    } catch (WakeupException stopping) {
      // close() was called
    } catch (Exception e) {
      failure = e;
    }
  }

  /** Stops {@link #run()} from another thread. */
  @Override
  public void close() {
    stopped = true;
    KafkaConsumer<String, byte[]> reading = consumer;
    if (reading != null) {
      reading.wakeup();
    }
  }

  private Map<TopicPartition, Long> assignFromBeginning(KafkaConsumer<String, byte[]> reading) {
    String topic = topics.modelUpdates().name();
    List<TopicPartition> partitions = reading.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    if (partitions.isEmpty()) {
      throw new MissingTopicException("Topic " + topic + " does not exist on " + clients.bootstrap()
          + ": start the learner job (streamcl learn) first, or check --topic-prefix");
    }
    reading.assign(partitions);
    reading.seekToBeginning(partitions);
    return reading.endOffsets(partitions);
  }

  private void took(ModelUpdate update) throws Exception {
    if (streamId == null || streamId.equals(update.getStreamId())) {
      ModelUpdate whole = models.computeIfAbsent(key(update), k -> new WholeModels()).add(update);
      if (whole != null) {
        arrived(whole);
      }
    }
  }

  private void arrived(ModelUpdate whole) throws Exception {
    ModelUpdate before = previous.put(key(whole), whole);
    if (before != null && Evaluator.endsItsTask(before, whole)) {
      evaluateOnce(before);
    }
    if (whole.getModelVersion() % everyVersions == 0 || endsInput(whole)) {
      evaluateOnce(whole);
    }
  }

  /** The topic stayed quiet: the newest version of each model may be the last one for a while (or for good). */
  private void evaluateNewestVersions() throws Exception {
    for (ModelUpdate newest : previous.values()) {
      evaluateOnce(newest);
    }
  }

  private void evaluateOnce(ModelUpdate whole) throws Exception {
    if (!evaluated.contains(versionKey(whole))) {
      evaluator.publish(evaluator.evaluateVersion(whole));
      evaluated.add(versionKey(whole));
      evaluatedVersions.incrementAndGet();
      newestEvaluated.merge(key(whole), whole.getModelVersion(), Math::max);
    }
  }

  /** Versions whose whole-test-set result (the last one written) is already on the eval topic. */
  private void rememberEvaluatedVersions() {
    EventCodec<EvalResult> codec = EventCodec.evalResults();
    try (TopicReader reader = new TopicReader(clients, topics.eval().name())) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        EvalResult result = codec.decode(record.value());
        if (result.getScenario().equals(evaluator.scenario()) && result.getTaskId() == null) {
          evaluated.add(result.getStreamId() + "/" + result.getLearner() + "/" + result.getModelVersion());
        }
      }
    }
  }

  private static boolean reached(KafkaConsumer<String, byte[]> reading, Map<TopicPartition, Long> offsets) {
    return offsets.entrySet().stream().allMatch(end -> reading.position(end.getKey()) >= end.getValue());
  }

  private static boolean endsInput(ModelUpdate update) {
    return PublishProgress.Trigger.INPUT_END.property().equals(update.getProperties().get(PublishProgress.TRIGGER));
  }

  private static String key(ModelUpdate update) {
    return update.getStreamId() + "/" + update.getLearner();
  }

  private static String versionKey(ModelUpdate update) {
    return key(update) + "/" + update.getModelVersion();
  }
}
