package dev.streamcl.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.cli.LocalFlink;
import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.flink.RawRecord;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learner job with every default learner over 20,000 Split-Fashion-MNIST samples, checkpointing
 * every 300 ms, under three kinds of failure, three times each: an operator throwing after a completed
 * checkpoint, a TaskManager terminated mid-stream, and the whole {@code streamcl learn} process killed
 * with SIGKILL and started again. Each run's committed outputs are counted against a failure-free run
 * of the same job on the same samples: nothing lost, nothing duplicated, every model update byte-identical.
 */
@ExtendWith(KafkaBrokerExtension.class)
class LearnerFaultInjectionTest {
  private static final int PER_TASK = 4_000;
  private static final String STREAM = "faults";
  private static final int FAILURES = 3;
  private static final int SAMPLES = 5 * PER_TASK;
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
  /** The `learn` command's defaults under the test's topic prefix (KVB reads that prefix's key-init topic). */
  private static LearnerJobConfig config;

  private static ClientConfigs clients;
  private static Topics samples;
  private static Topics reference;
  private static long finalNmcVersion;

  @BeforeAll
  static void publishSamplesAndLearnThemWithoutFailures() throws Exception {
    clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    samples = outputs(KafkaBrokerExtension.uniqueTopicPrefix("faults"));
    config = LearnerJobOptions.config(LearnerJobOptions.defaultValues(), samples.prefix()).toBuilder()
        .checkpointIntervalMs(300).publishEvery(500).parallelism(2).build();
    ScenarioPublisher publisher = new ScenarioPublisher(clients, samples, 2, ScenarioPublisher.DEFAULT_COMMIT_EVERY,
        false);
    publisher.publish(new SplitFashionMnist(FashionMnist.atDefaultLocation(), 7, PER_TASK), STREAM);
    reference = outputs(samples.prefix() + "-reference");
    LocalFlink.run(job(reference, UnaryOperator.identity()), config, "failure-free reference");
    List<Long> versions = RecordedRun.read(clients, reference.modelUpdates().name())
        .versions(STREAM + "/" + NearestClassMeanModel.LEARNER);
    finalNmcVersion = versions.get(versions.size() - 1);
  }

  @Test
  void anOperatorThrowingAfterCheckpointsLosesAndDuplicatesNothing(@TempDir Path checkpoints) throws Exception {
    Topics out = outputs(samples.prefix() + "-throw");
    FailOnceAfterCheckpoint.plan(FAILURES);
    try (FaultyMiniCluster cluster = new FaultyMiniCluster(checkpoints, 2)) {
      JobID id = cluster.submit(job(out, s -> s.map(new FailOnceAfterCheckpoint(SAMPLES / (FAILURES + 2)))
          .name("inject-failures").uid("inject-failures")), config);
      assertSucceeded(cluster.awaitResult(id, RUN_TIMEOUT));
    }
    assertEquals(FAILURES, FailOnceAfterCheckpoint.injected(), "the job ended before every planned failure");
    assertIdenticalToFailureFree(FaultLedger.compare(clients, reference, out), "operator throws after a checkpoint");
  }

  @Test
  void terminatedTaskManagersLoseAndDuplicateNothing(@TempDir Path checkpoints) throws Exception {
    Topics out = outputs(samples.prefix() + "-taskmanager");
    int terminated = 0;
    try (FaultyMiniCluster cluster = new FaultyMiniCluster(checkpoints, 2);
        VersionWatch versions = new VersionWatch(clients, out)) {
      JobID id = cluster.submit(job(out, UnaryOperator.identity()), config);
      for (int k = 1; k <= FAILURES; k++) {
        versions.awaitAtLeast(STREAM, NearestClassMeanModel.LEARNER, k * finalNmcVersion / (FAILURES + 2),
            RUN_TIMEOUT, () -> true);
        assertFalse(cluster.isFinished(id), "the job finished before TaskManager " + k + " was terminated");
        cluster.replaceOldestTaskManager();
        terminated++;
      }
      assertSucceeded(cluster.awaitResult(id, RUN_TIMEOUT));
    }
    assertIdenticalToFailureFree(FaultLedger.compare(clients, reference, out), "TaskManager terminated");
    assertEquals(FAILURES, terminated);
  }

  @Test
  void aLearnProcessKilledWithSigkillResumesAndRepublishesNothing(@TempDir Path checkpointRoot) throws Exception {
    Path log = Path.of("target", "learn-process-" + samples.prefix() + ".log");
    List<String> args = List.of("--bootstrap", KafkaBrokerExtension.bootstrap(), "--topic-prefix", samples.prefix(),
        "--bounded", "--checkpoint-dir", checkpointRoot.toString(), "--checkpoint-interval-ms", "300",
        "--publish-every", "500", "--parallelism", "2");
    try (VersionWatch versions = new VersionWatch(clients, samples)) {
      for (int k = 1; k <= FAILURES; k++) {
        StreamClProcess learn = StreamClProcess.start(log, "learn", args);
        versions.awaitAtLeast(STREAM, NearestClassMeanModel.LEARNER, k * finalNmcVersion / (FAILURES + 2),
            RUN_TIMEOUT, learn::isAlive);
        learn.kill();
      }
      assertEquals(0, StreamClProcess.start(log, "learn", args).awaitExit((int) RUN_TIMEOUT.toMinutes()),
          "the last start of learn failed; see " + log.toAbsolutePath());
    }
    assertIdenticalToFailureFree(FaultLedger.compare(clients, reference, samples), "learn killed with SIGKILL");
    try (Stream<Path> left = Files.walk(checkpointRoot.resolve(samples.prefix()).resolve("learn"))) {
      assertEquals(List.of("finished.properties", "job.properties"), left.filter(Files::isRegularFile)
          .map(p -> p.getFileName().toString()).sorted().toList(), "what a finished bounded run leaves behind");
    }
  }

  private static LearnerJob job(Topics out, UnaryOperator<DataStream<RawRecord>> inject) {
    return KafkaLearnerJob.create(clients, samples.samples().name(), out, config, OffsetsInitializer.latest(), inject);
  }

  private static Topics outputs(String prefix) {
    Topics topics = new Topics(prefix);
    KafkaTopics.create(clients.admin(), 2, List.of(topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.alerts().name(), topics.runs().name()));
    return topics;
  }

  private static void assertSucceeded(JobResult result) {
    assertTrue(result.isSuccess(), () -> "the job failed: " + result.getSerializedThrowable()
        .map(Throwable::getMessage).orElse("(no cause)"));
  }

  private static void assertIdenticalToFailureFree(FaultLedger ledger, String kind) {
    ledger.report(kind, FAILURES);
    assertEquals(0, ledger.lost(), "records lost");
    assertEquals(0, ledger.duplicated(), "records duplicated");
    assertEquals(List.of(), ledger.differingModels(), "models whose updates differ from the failure-free run");
  }
}
