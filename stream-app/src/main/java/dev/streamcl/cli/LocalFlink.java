package dev.streamcl.cli;

import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Runs a learner job on an in-process Flink MiniCluster. */
public final class LocalFlink {
  private LocalFlink() {}

  public static JobExecutionResult run(LearnerJob job, LearnerJobConfig config, String name) throws Exception {
    Configuration conf = new Configuration();
    // Learner state (KVB keys and values, samples waiting for keys) outgrows the JobManager's 5 MB
    // in-memory checkpoint limit: checkpoint to local files instead.
    Path checkpoints = Files.createTempDirectory("streamcl-checkpoints");
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), conf);
    KafkaLearnerJob.configure(env, config);
    job.build(env);
    return env.execute(name);
  }
}
