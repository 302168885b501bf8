package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker stopped and started again on the same data directory and port, several times while the
 * exactly-once learner job runs: compared with a failure-free run of the same job on the same samples,
 * every model-update record is byte-identical, every sample is predicted exactly once per learner, and
 * versions have no gap. The test has its own broker, as it stops it.
 */
class BrokerRestartJobTest {
  private static final List<String> STREAMS = List.of("east", "west");
  private static final int PER_STREAM = 10_000;
  private static final List<String> LEARNERS =
      List.of(NearestClassMeanModel.LEARNER, ReplayHeadLearner.Variant.ER.learnerName());
  private static final int OUTAGES = 3;
  private static final long OUTAGE_MS = 2_000;
  private static final Duration PROGRESS_TIMEOUT = Duration.ofMinutes(3);

  @TempDir Path kafkaData;
  private EmbeddedKafkaBroker broker;
  private long downMs;

  @AfterEach
  void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void nothingIsLostOrDuplicatedWhenTheBrokerRestartsMidRun() throws Exception {
    broker = EmbeddedKafkaBroker.builder().dataDir(kafkaData).start();
    ClientConfigs clients = ClientConfigs.of(broker.bootstrap());
    Topics input = new Topics("restart");
    Topics calm = new Topics("restart-calm");
    Topics stormy = new Topics("restart-stormy");
    LearnerJobRuns.createTopics(broker.bootstrap(), input.samples().name(), calm, stormy);
    publish(clients, input.samples().name());
    LearnerJobConfig config = LearnerJobRuns.imageJob().publishEvery(1_000).learners(LEARNERS).build();

    long calmStart = System.nanoTime();
    LearnerJobRuns.run(clients, input.samples().name(), calm, config);
    long calmSeconds = (System.nanoTime() - calmStart) / 1_000_000_000L;
    long stormyStart = System.nanoTime();
    JobClient job = LearnerJobRuns.start(clients, input.samples().name(), stormy, config, restartingOften());
    int outages = 0;
    long expectedPredictions = (long) STREAMS.size() * PER_STREAM * LEARNERS.size();
    while (outages < OUTAGES && awaitCommitted(clients, stormy, (outages + 1) * expectedPredictions / (OUTAGES + 1),
        job)) {
      restartBroker();
      outages++;
    }
    job.getJobExecutionResult().get(PROGRESS_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    long stormySeconds = (System.nanoTime() - stormyStart) / 1_000_000_000L;

    PublishedUpdates expected = PublishedUpdates.read(clients, calm.modelUpdates().name(), u -> true);
    PublishedUpdates updates = PublishedUpdates.read(clients, stormy.modelUpdates().name(), u -> true);
    List<Prediction> predictions = Committed.events(clients, stormy.predictions().name(), EventCodec.predictions());
    Set<String> predicted = new HashSet<>();
    predictions.forEach(p -> predicted.add(p.getStreamId() + "/" + p.getLearner() + "/" + p.getSequence()));
    long lost = updates.missingFrom(expected) + expectedPredictions - predicted.size();
    long duplicated = updates.duplicated() + predictions.size() - predicted.size();
    FaultLines.append(String.format("broker restart: injected %d, lost %d, duplicated %d (broker outages, %.1f s "
        + "down in all with the restarts, in a run over %,d samples with %s; %d update records, %d differ from the "
        + "failure-free run; %,d predictions exactly once; version gaps %s; runs took %d s calm, %d s with "
        + "outages)", outages, lost, duplicated, downMs / 1000.0, STREAMS.size() * PER_STREAM,
        String.join(",", LEARNERS), updates.size(), updates.differentFrom(expected), predicted.size(),
        updates.versionGaps(), calmSeconds, stormySeconds));
    assertTrue(outages >= 1, "the broker should have been stopped at least once while the job ran");
    assertEquals(0, lost, "lost");
    assertEquals(0, duplicated, "duplicated");
    assertEquals(expected.size(), updates.size(), "update records");
    assertEquals(0, updates.differentFrom(expected), "update records that differ from the failure-free run");
    assertEquals(List.of(), updates.versionGaps(), "version gaps");
    assertEquals(List.of(), expected.versionGaps(), "version gaps of the failure-free run");
  }

  /**
   * Waits until {@code target} prediction offsets are committed (read_committed end offsets), or the
   * job ended first; false then.
   */
  private static boolean awaitCommitted(ClientConfigs clients, Topics outputs, long target, JobClient job)
      throws Exception {
    long deadline = System.nanoTime() + PROGRESS_TIMEOUT.toNanos();
    try (TopicReader reader = new TopicReader(clients, outputs.predictions().name())) {
      while (!job.getJobExecutionResult().isDone()) {
        if (reader.endOffsets().values().stream().mapToLong(Long::longValue).sum() >= target) {
          return true;
        }
        assertTrue(System.nanoTime() < deadline, "no progress to " + target + " committed predictions");
        Thread.sleep(100);
      }
    }
    return false;
  }

  /** Stops the broker, leaves it down for {@code OUTAGE_MS}, and starts it again on the same data and port. */
  private void restartBroker() throws Exception {
    long start = System.nanoTime();
    int port = broker.port();
    int controllerPort = broker.controllerPort();
    broker.close();
    broker = null;
    Thread.sleep(OUTAGE_MS); // the injected fault: the broker is away this long
    broker = EmbeddedKafkaBroker.builder().dataDir(kafkaData).port(port).controllerPort(controllerPort).start();
    downMs += (System.nanoTime() - start) / 1_000_000;
  }

  /** Flink restarts the job from its last checkpoint as often as Kafka's absence makes it fail. */
  private static Configuration restartingOften() {
    Configuration flink = new Configuration();
    flink.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 100);
    flink.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
    return flink;
  }

  private static void publish(ClientConfigs clients, String topic) throws Exception {
    EventCodec<Sample> codec = EventCodec.samples();
    Random random = new Random(5);
    try (SampleProducer producer = new SampleProducer(clients, topic)) {
      for (int seq = 0; seq < PER_STREAM; seq++) {
        for (String stream : STREAMS) {
          int label = random.nextInt(10);
          producer.send(stream, codec.encode(TestSamples.image(stream, seq, label, TestSamples.pixels(label, random))));
        }
      }
    }
  }
}
