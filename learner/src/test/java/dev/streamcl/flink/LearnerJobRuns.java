package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.FileUtils;

/** The learner job on a Flink MiniCluster against a real broker, as the job tests run it. */
final class LearnerJobRuns {
  private LearnerJobRuns() {}

  /** 28x28 images, two subtasks, small micro-batches and checkpoints every 300 ms, so output commits often. */
  static LearnerJobConfig.Builder imageJob() {
    return LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu())).microBatch(64, 20)
        .parallelism(2).checkpointIntervalMs(300);
  }

  /** The samples topic and every output topic of each of {@code outputs}, with two partitions. */
  static void createTopics(String bootstrap, String samplesTopic, Topics... outputs) {
    List<String> names = new ArrayList<>(List.of(samplesTopic));
    for (Topics output : outputs) {
      names.addAll(List.of(output.modelUpdates().name(), output.predictions().name(), output.deadLetters().name(),
          output.alerts().name()));
    }
    KafkaTopics.create(bootstrap, 2, names.toArray(String[]::new));
  }

  /**
   * Runs the job from {@code samplesTopic}, up to its end as of the start, into {@code outputs}; waits for it.
   * Checkpoints go to files, as {@code streamcl learn} writes them: with every learner on, a subtask's state
   * outgrows the JobManager's 5 MB in-memory checkpoint limit.
   */
  static JobExecutionResult run(ClientConfigs clients, String samplesTopic, Topics outputs, LearnerJobConfig config)
      throws Exception {
    Path checkpoints = Files.createTempDirectory("streamcl-job-test-checkpoints");
    Configuration flink = new Configuration();
    flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    try {
      return start(clients, samplesTopic, outputs, config, flink).getJobExecutionResult().get();
    } finally {
      FileUtils.deleteDirectoryQuietly(checkpoints.toFile());
    }
  }

  /** Starts the job as {@link #run} does, on a MiniCluster with these Flink settings. */
  static JobClient start(ClientConfigs clients, String samplesTopic, Topics outputs, LearnerJobConfig config,
      Configuration flink) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    KafkaLearnerJob.configure(env, config);
    KafkaLearnerJob.create(clients, samplesTopic, outputs, config, OffsetsInitializer.latest()).build(env);
    return env.executeAsync("learner job " + outputs.prefix());
  }
}
