package dev.streamcl.dashboard;

import dev.streamcl.events.Alert;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.MalformedEventException;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the output topics of one topic prefix into a {@link PipelineState}: its own consumer, outside any
 * consumer group (it commits nothing and joins nothing, so it cannot disturb the pipeline), reads every partition
 * from the beginning with {@code read_committed}, on its own thread; topics created later are picked up as they
 * appear. A second thread probes offsets (the learner job's and serving's lag) and ticks the rates once a second.
 */
public final class PipelineWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PipelineWatch.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final long DISCOVER_EVERY_MS = 2_000;
  private static final long PROBE_EVERY_MS = 1_000;

  private final ClientConfigs clients;
  private final Topics topics;
  private final PipelineState state;
  private final List<String> followed;
  private final Thread reader;
  private final ScheduledExecutorService prober;
  private final OffsetProbe probe;
  private volatile boolean closed;
  private volatile KafkaConsumer<String, byte[]> consumer;
  private boolean probeFailing;

  private PipelineWatch(ClientConfigs clients, Topics topics, PipelineState state) {
    this.clients = clients;
    this.topics = topics;
    this.state = state;
    this.followed = List.of(topics.modelUpdates().name(), topics.predictions().name(), topics.eval().name(),
        topics.deadLetters().name(), topics.alerts().name());
    this.probe = new OffsetProbe(clients, topics);
    this.reader = new Thread(this::read, "dashboard-watch-" + topics.prefix());
    reader.setDaemon(true);
    this.prober = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "dashboard-offsets-" + topics.prefix());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Starts following the topics of {@code topics} into {@code state}. */
  public static PipelineWatch start(ClientConfigs clients, Topics topics, PipelineState state) {
    state.readingBacklog(true);
    PipelineWatch watch = new PipelineWatch(clients, topics, state);
    watch.reader.start();
    watch.prober.scheduleWithFixedDelay(watch::probe, 0, PROBE_EVERY_MS, TimeUnit.MILLISECONDS);
    return watch;
  }

  private void read() {
    try (KafkaConsumer<String, byte[]> reading = new KafkaConsumer<>(consumerConfig())) {
      consumer = reading;
      Decoders decoders = new Decoders();
      Set<TopicPartition> assigned = Set.of();
      Map<TopicPartition, Long> backlogEnd = null; // of the predictions topic, when first found
      boolean backlog = true;
      long nextDiscovery = 0;
      while (!closed) {
        if (System.currentTimeMillis() >= nextDiscovery) {
          Set<TopicPartition> found = discover(reading, assigned);
          assigned = found == null ? assigned : found;
          if (backlogEnd == null && found != null) {
            backlogEnd = reading.endOffsets(predictionPartitions(found));
          }
          nextDiscovery = System.currentTimeMillis() + DISCOVER_EVERY_MS;
        }
        if (backlog && backlogEnd != null && reached(reading, backlogEnd)) {
          backlog = false;
          state.readingBacklog(false);
        }
        if (assigned.isEmpty()) {
          LockSupport.parkNanos(POLL.toNanos()); // nothing to read until the pipeline creates its topics
          continue;
        }
        for (ConsumerRecord<String, byte[]> record : reading.poll(POLL)) {
          decoders.apply(record);
        }
      }
    } catch (WakeupException stopping) {
      // close() was called
    } catch (RuntimeException e) {
      LOG.error("The dashboard stopped reading {}: {}", topics.prefix(), e.toString(), e);
    }
  }

  private Set<TopicPartition> predictionPartitions(Set<TopicPartition> partitions) {
    return partitions.stream().filter(tp -> tp.topic().equals(topics.predictions().name()))
        .collect(Collectors.toSet());
  }

  private static boolean reached(KafkaConsumer<String, byte[]> reading, Map<TopicPartition, Long> offsets) {
    return offsets.entrySet().stream().allMatch(end -> reading.position(end.getKey()) >= end.getValue());
  }

  private Properties consumerConfig() {
    Properties config = clients.consumer(null);
    // Never show what an aborted or still open transaction wrote, whatever the clients' guarantee.
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamcl-dashboard-" + topics.prefix());
    return config;
  }

  /**
   * Assigns the followed topics' partitions, reading partitions new to it from the beginning; null when the
   * broker did not list its topics in time.
   */
  private Set<TopicPartition> discover(KafkaConsumer<String, byte[]> reading, Set<TopicPartition> assigned) {
    Map<String, List<PartitionInfo>> existing;
    try {
      existing = reading.listTopics(Duration.ofSeconds(5));
    } catch (TimeoutException e) {
      LOG.debug("No topic list from {} yet: {}", clients.bootstrap(), e.toString());
      return null;
    }
    Set<TopicPartition> partitions = new HashSet<>();
    for (String topic : followed) {
      existing.getOrDefault(topic, List.of()).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
    }
    if (partitions.equals(assigned)) {
      return assigned;
    }
    Set<TopicPartition> fresh = new HashSet<>(partitions);
    fresh.removeAll(assigned);
    reading.assign(partitions);
    reading.seekToBeginning(fresh);
    return Set.copyOf(partitions);
  }

  private void probe() {
    long now = System.currentTimeMillis();
    try {
      state.samplesTopic(probe.samplesTails(), now);
      state.serving(probe.servingLag().orElse(null));
      probeFailing = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!probeFailing) {
        LOG.warn("The dashboard cannot read offsets on {} (lag and samples/s stay stale): {}", clients.bootstrap(),
            e.toString());
      }
      probeFailing = true;
    }
    state.tick(now);
  }

  @Override
  public void close() {
    closed = true;
    KafkaConsumer<String, byte[]> reading = consumer;
    if (reading != null) {
      reading.wakeup();
    }
    prober.shutdownNow();
    try {
      reader.join(Duration.ofSeconds(10).toMillis());
      prober.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      probe.close();
    }
  }

  /** The reader thread's codecs (not thread-safe), one per followed topic. */
  private final class Decoders {
    private final EventCodec<ModelUpdate> updates = EventCodec.modelUpdates();
    private final EventCodec<Prediction> predictions = EventCodec.predictions();
    private final EventCodec<EvalResult> evals = EventCodec.evalResults();
    private final EventCodec<DeadLetter> deadLetters = EventCodec.deadLetters();
    private final EventCodec<Alert> alerts = EventCodec.alerts();

    void apply(ConsumerRecord<String, byte[]> record) {
      String topic = record.topic();
      try {
        if (topic.equals(topics.modelUpdates().name())) {
          state.modelUpdate(updates.decode(record.value()), record.timestamp());
        } else if (topic.equals(topics.predictions().name())) {
          state.prediction(predictions.decode(record.value()));
        } else if (topic.equals(topics.eval().name())) {
          state.evalResult(evals.decode(record.value()));
        } else if (topic.equals(topics.deadLetters().name())) {
          state.deadLetter(deadLetters.decode(record.value()));
        } else if (topic.equals(topics.alerts().name())) {
          state.alert(alerts.decode(record.value()));
        }
      } catch (MalformedEventException e) {
        state.undecodable();
      }
    }
  }
}
