package dev.streamcl.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.cli.FlinkTarget;
import dev.streamcl.cli.LocalFlink;
import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.ops.LocalCluster;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The learner job on a real cluster on this machine — three KRaft brokers (every partition on all three, writes
 * acknowledged by two), a JobManager and two TaskManagers of one slot each, every node its own JVM — submitted as a
 * job jar over REST, the stream spread over two learner subtasks (one per TaskManager). Mid-stream one TaskManager
 * is killed with SIGKILL (and started again, as a supervisor would), later one broker (left dead): the job restarts
 * from its last checkpoint, and its committed outputs are counted against a failure-free run of the same job on the
 * same cluster: nothing lost, nothing duplicated, every model update byte-identical.
 */
class ClusterFailoverTest {
  private static final String STREAM = "cluster-faults";
  private static final int PER_TASK = 2_000;
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(8);

  @TempDir Path work;

  @Test
  void aKilledTaskManagerAndAKilledBrokerLoseAndDuplicateNothing() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(work.resolve("cluster"), new LocalCluster.Settings(3, 2, 1,
        "1200m"))) {
      ClientConfigs clients = ClientConfigs.of(cluster.bootstrap());
      Topics samples = outputs(clients, "cluster");
      new ScenarioPublisher(clients, samples, 2, ScenarioPublisher.DEFAULT_COMMIT_EVERY, false)
          .publish(new SplitFashionMnist(FashionMnist.atDefaultLocation(), 11, PER_TASK), STREAM);
      LearnerJobConfig config = LearnerJobOptions.config(LearnerJobOptions.defaultValues(), samples.prefix())
          .toBuilder().learners("nmc", "kvb", "er").checkpointIntervalMs(500).publishEvery(500).parallelism(2)
          .streamParallelism(2).build();
      FlinkTarget flink = FlinkTarget.cluster(cluster.flinkRest(), null);

      Topics reference = outputs(clients, samples.prefix() + "-reference");
      LocalFlink.run(job(clients, samples, reference, config), config, "failure-free on the cluster", flink);
      List<Long> versions = RecordedRun.read(clients, reference.modelUpdates().name())
          .versions(STREAM + "/" + NearestClassMeanModel.LEARNER);
      long last = versions.get(versions.size() - 1);

      Topics faulted = outputs(clients, samples.prefix() + "-faulted");
      CompletableFuture<Void> run = CompletableFuture.runAsync(() -> {
        try {
          LocalFlink.run(job(clients, samples, faulted, config), config, "nodes killed on the cluster", flink);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      try (VersionWatch watch = new VersionWatch(clients, faulted)) {
        watch.awaitAtLeast(STREAM, NearestClassMeanModel.LEARNER, last / 4, RUN_TIMEOUT, () -> !run.isDone());
        cluster.kill("taskmanager-1");
        Thread.sleep(3_000); // the JobManager notices the lost TaskManager by its missing heartbeats
        cluster.restart("taskmanager-1");
        watch.awaitAtLeast(STREAM, NearestClassMeanModel.LEARNER, last * 2 / 3, RUN_TIMEOUT, () -> !run.isDone());
        assertFalse(run.isDone(), "the job ended before the broker was killed");
        cluster.kill("kafka-2");
      }
      run.get(RUN_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
      int failures = recordedFailures(cluster);
      System.out.println("the JobManager recorded " + failures + " task failures it restarted the jobs from");
      assertTrue(failures >= 1, "the killed TaskManager failed the job, which restarted from a checkpoint");

      FaultLedger ledger = FaultLedger.compare(clients, reference, faulted);
      ledger.report("cluster (3 brokers, 2 TaskManagers): a TaskManager, then a broker killed", 2);
      assertEquals(0, ledger.lost(), "records lost");
      assertEquals(0, ledger.duplicated(), "records duplicated");
      assertEquals(List.of(), ledger.differingModels(), "models whose updates differ from the failure-free run");
    }
  }

  /** Failures in the exception history of every job the JobManager ran (the reference run had none). */
  private static int recordedFailures(LocalCluster cluster) {
    Matcher jobs = Pattern.compile("\"jid\"\\s*:\\s*\"([0-9a-f]+)\"").matcher(cluster.rest("/jobs/overview"));
    int failures = 0;
    while (jobs.find()) {
      Matcher entries = Pattern.compile("\"exceptionName\"").matcher(cluster.rest("/jobs/" + jobs.group(1)
          + "/exceptions"));
      while (entries.find()) {
        failures++;
      }
    }
    return failures;
  }

  private static LearnerJob job(ClientConfigs clients, Topics samples, Topics out, LearnerJobConfig config) {
    return KafkaLearnerJob.create(clients, samples.samples().name(), out, config, OffsetsInitializer.latest());
  }

  private static Topics outputs(ClientConfigs clients, String prefix) {
    Topics topics = new Topics(prefix);
    KafkaTopics.create(clients.admin(), 2, List.of(topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.alerts().name(), topics.runs().name()));
    return topics;
  }
}
