package dev.streamcl.dashboard;

import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.Folders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The learner job, unbounded, on a Flink MiniCluster of its own: it learns what arrives on the samples topic until
 * closed, which cancels it (the MiniCluster goes with the job) and deletes its checkpoints.
 */
final class RunningLearnerJob implements AutoCloseable {
  private final JobClient job;
  private final Path checkpoints;

  private RunningLearnerJob(JobClient job, Path checkpoints) {
    this.job = job;
    this.checkpoints = checkpoints;
  }

  static RunningLearnerJob start(ClientConfigs clients, Topics topics, LearnerJobConfig config) throws Exception {
    Path checkpoints = Files.createTempDirectory("streamcl-dashboard-test-checkpoints");
    Configuration flink = new Configuration();
    flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), flink);
    KafkaLearnerJob.configure(env, config);
    KafkaLearnerJob.create(clients, topics, config, false).build(env);
    return new RunningLearnerJob(env.executeAsync("dashboard test learner job"), checkpoints);
  }

  /** Whether the job ended (it should run until closed). */
  boolean ended() {
    return job.getJobExecutionResult().isDone();
  }

  @Override
  public void close() throws Exception {
    try {
      if (!ended()) {
        job.cancel().get(1, TimeUnit.MINUTES);
      }
    } finally {
      Folders.deleteRecursively(checkpoints);
    }
  }
}
