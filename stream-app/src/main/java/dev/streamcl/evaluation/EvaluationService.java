package dev.streamcl.evaluation;

import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.flink.PublishProgress;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * The evaluator as a service: follows the model-updates topic while learners publish, and evaluates
 * each evaluation point once its version is whole: every K-th version, the last version trained
 * through each task (known when the next version starts a later task), the version published at the
 * end of the input, and the newest version of each model whenever the topic goes quiet. Versions
 * already on the eval topic (a restart) are not evaluated again.
 */
public final class EvaluationService implements Runnable, AutoCloseable {
  private static final Duration POLL = Duration.ofMillis(200);

  private final ClientConfigs clients;
  private final Topics topics;
  private final Evaluator evaluator;
  private final String streamId;
  private final int everyVersions;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Map<String, WholeModels> models = new HashMap<>();
  /** Per model: the newest whole version, kept until the next one tells whether it ended a task. */
  private final Map<String, ModelUpdate> previous = new HashMap<>();
  private final Set<String> evaluated = new HashSet<>();
  private final AtomicLong evaluatedVersions = new AtomicLong();
  private volatile boolean caughtUp;
  private final Map<String, Long> newestEvaluated = new ConcurrentHashMap<>();

  /** @param streamId the stream to evaluate, or null for every stream */
  public EvaluationService(ClientConfigs clients, Topics topics, Evaluator evaluator, String streamId,
      int everyVersions) {
    Evaluator.requirePositive(everyVersions);
    this.clients = clients;
    this.topics = topics;
    this.evaluator = evaluator;
    this.streamId = streamId;
    this.everyVersions = everyVersions;
    this.consumer = new KafkaConsumer<>(clients.consumer(null));
  }

  /** Versions evaluated since start (a gauge for operators and tests). */
  public long evaluatedVersions() {
    return evaluatedVersions.get();
  }

  /** Whether the service has read every update published before it started. */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** The newest evaluated version of "stream/learner", or 0. */
  public long newestEvaluated(String stream, String learner) {
    return newestEvaluated.getOrDefault(stream + "/" + learner, 0L);
  }

  @Override
  public void run() {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    try {
      rememberEvaluatedVersions();
      List<TopicPartition> partitions = consumer.partitionsFor(topics.modelUpdates().name(), Duration.ofSeconds(30))
          .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> endAtStart = consumer.endOffsets(partitions);
      while (true) {
        var records = consumer.poll(POLL);
        if (records.isEmpty()) {
          evaluateNewestVersions();
        }
        for (ConsumerRecord<String, byte[]> record : records) {
          ModelUpdate update = codec.decode(record.value());
          if (streamId == null || streamId.equals(update.getStreamId())) {
            ModelUpdate whole = models.computeIfAbsent(key(update), k -> new WholeModels()).add(update);
            if (whole != null) {
              arrived(whole);
            }
          }
        }
        caughtUp = caughtUp || reached(endAtStart);
      }
    } catch (WakeupException stopped) {
      // close() was called
    } catch (Exception e) {
      throw new IllegalStateException("The evaluation service stopped: " + e.getMessage(), e);
    } finally {
      consumer.close();
    }
  }

  private boolean reached(Map<TopicPartition, Long> offsets) {
    return offsets.entrySet().stream().allMatch(end -> consumer.position(end.getKey()) >= end.getValue());
  }

  /** Stops {@link #run()} from another thread. */
  @Override
  public void close() {
    consumer.wakeup();
  }

  private void arrived(ModelUpdate whole) throws Exception {
    ModelUpdate before = previous.put(key(whole), whole);
    if (before != null && !Objects.equals(trainedThrough(before), trainedThrough(whole))) {
      evaluateOnce(before);
    }
    if (whole.getModelVersion() % everyVersions == 0 || endsInput(whole)) {
      evaluateOnce(whole);
    }
  }

  /** The topic went quiet: the newest version of each model may be the last one for a while (or for good). */
  private void evaluateNewestVersions() throws Exception {
    for (ModelUpdate newest : previous.values()) {
      evaluateOnce(newest);
    }
  }

  private void evaluateOnce(ModelUpdate whole) throws Exception {
    if (evaluated.add(key(whole) + "/" + whole.getModelVersion())) {
      evaluator.publish(evaluator.evaluateVersion(whole));
      evaluatedVersions.incrementAndGet();
      newestEvaluated.merge(key(whole), whole.getModelVersion(), Math::max);
    }
  }

  private void rememberEvaluatedVersions() {
    EventCodec<EvalResult> codec = EventCodec.evalResults();
    try (TopicReader reader = new TopicReader(clients, topics.eval().name())) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        EvalResult result = codec.decode(record.value());
        if (result.getScenario().equals(evaluator.scenario())) {
          evaluated.add(result.getStreamId() + "/" + result.getLearner() + "/" + result.getModelVersion());
        }
      }
    }
  }

  private static String trainedThrough(ModelUpdate update) {
    return update.getProperties().get(PublishProgress.TRAINED_THROUGH_TASK);
  }

  private static boolean endsInput(ModelUpdate update) {
    return PublishProgress.Trigger.INPUT_END.property().equals(update.getProperties().get(PublishProgress.TRIGGER));
  }

  private static String key(ModelUpdate update) {
    return update.getStreamId() + "/" + update.getLearner();
  }
}
