package dev.streamcl.faults;

import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A MiniCluster of one-slot TaskManagers that a test can terminate and replace while a learner job
 * runs: with parallelism equal to the slots, every TaskManager runs part of the job.
 */
final class FaultyMiniCluster implements AutoCloseable {
  private final Configuration conf = new Configuration();
  private final MiniCluster cluster;
  private int oldestLive;

  FaultyMiniCluster(Path checkpoints, int taskManagers) throws Exception {
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
    cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
        .setNumTaskManagers(taskManagers).setNumSlotsPerTaskManager(1).build());
    cluster.start();
  }

  JobID submit(LearnerJob job, LearnerJobConfig config) throws Exception {
    StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
    KafkaLearnerJob.configure(env, config);
    job.build(env);
    return cluster.submitJob(env.getStreamGraph().getJobGraph()).get(1, TimeUnit.MINUTES).getJobID();
  }

  /** Terminates the oldest running TaskManager (its tasks fail) and starts a fresh one in its place. */
  void replaceOldestTaskManager() throws Exception {
    cluster.terminateTaskManager(oldestLive++).get(1, TimeUnit.MINUTES);
    cluster.startTaskManager();
  }

  boolean isFinished(JobID job) throws Exception {
    return cluster.getJobStatus(job).get(1, TimeUnit.MINUTES).isGloballyTerminalState();
  }

  JobResult awaitResult(JobID job, Duration timeout) throws Exception {
    return cluster.requestJobResult(job).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws Exception {
    cluster.close();
  }
}
