package dev.streamcl.cli;

import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.ops.Folders;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.runtime.client.JobInitializationException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.apache.flink.util.StateMigrationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs a learner job on Flink: an in-process MiniCluster, or a session cluster over REST ({@link FlinkTarget}). */
public final class LocalFlink {
  private static final Logger LOG = LoggerFactory.getLogger(LocalFlink.class);

  private LocalFlink() {}

  /**
   * A job that resumes: its checkpoints live in {@code checkpoints} under {@code identity} (settings and
   * input topic ids), and {@code bounded} runs leave only a note that they finished.
   */
  record Resumable(CheckpointFolder checkpoints, Map<String, String> identity, boolean bounded) {}

  static final String FRESH_ADVICE = "run it with the options it was started with to resume, or pass --fresh to "
      + "discard its checkpoints and learn from the start (model versions then restart at 1 on the same topics; "
      + "a new --topic-prefix keeps the runs apart)";

  /** Runs once, from the start, with checkpoints in a temporary folder deleted afterwards (tests, embedded demo). */
  public static JobExecutionResult run(LearnerJob job, LearnerJobConfig config, String name) throws Exception {
    return run(job, config, name, FlinkTarget.LOCAL);
  }

  /** As {@link #run(LearnerJob, LearnerJobConfig, String)}, on {@code target}. */
  public static JobExecutionResult run(LearnerJob job, LearnerJobConfig config, String name, FlinkTarget target)
      throws Exception {
    Path checkpoints = Files.createTempDirectory("streamcl-checkpoints");
    try {
      return execute(job, config, name, configuration(checkpoints), target);
    } finally {
      deleteTemporary(checkpoints);
    }
  }

  /**
   * A finished job's checkpoint writer can still be closing files when the job returns: a temporary folder that
   * will not go away at once is left behind with a warning, never reported instead of the job's own outcome.
   */
  private static void deleteTemporary(Path checkpoints) {
    try {
      Folders.deleteRecursively(checkpoints);
    } catch (UncheckedIOException e) {
      LOG.warn("Could not delete the temporary checkpoint folder {} ({}); delete it by hand", checkpoints,
          e.getCause().toString());
    }
  }

  /**
   * Resumes from the newest completed checkpoint of {@code resumable} if there is one, else starts from
   * the beginning; checkpoints survive cancellation and crashes. A finished bounded run is not run again.
   * Without {@code resumable} (null), runs once like {@link #run(LearnerJob, LearnerJobConfig, String)}.
   */
  static JobExecutionResult run(LearnerJob job, LearnerJobConfig config, String name, Resumable resumable,
      PrintStream out) throws Exception {
    return run(job, config, name, resumable, FlinkTarget.LOCAL, out);
  }

  /**
   * As above, on {@code target}; on a session cluster the checkpoint folder must be one its TaskManagers reach (a
   * local folder serves a cluster on this machine).
   */
  static JobExecutionResult run(LearnerJob job, LearnerJobConfig config, String name, Resumable resumable,
      FlinkTarget target, PrintStream out) throws Exception {
    if (resumable == null) {
      return run(job, config, name, target);
    }
    CheckpointFolder folder = resumable.checkpoints();
    folder.requireSameJob(resumable.identity(), FRESH_ADVICE);
    refuseFinished(folder, name);
    Configuration conf = configuration(folder.dir());
    conf.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
        ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
    Optional<CheckpointFolder.Checkpoint> newest = folder.newest();
    newest.ifPresent(checkpoint -> {
      out.printf("Resuming %s from checkpoint %d of %s (%s)%n", name, checkpoint.id(), checkpoint.written(),
          checkpoint.path());
      folder.keepOnly(checkpoint);
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpoint.path().toUri().toString());
    });
    JobExecutionResult result;
    try {
      result = execute(job, config, name, conf, target);
    } catch (Exception e) {
      if (newest.isPresent() && isRestoreFailure(e)) {
        throw new UserError("Cannot resume " + name + " from " + newest.get().path() + " ("
            + ExceptionUtils.findThrowable(e, t -> t.getCause() == null).orElse(e).getMessage() + "): "
            + FRESH_ADVICE);
      }
      throw e;
    }
    if (resumable.bounded()) {
      folder.markFinished(Map.of("finishedAt", Instant.now().toString(),
          "samplesLearned", Long.toString(LearnerJob.samplesIn(result))));
    }
    return result;
  }

  private static void refuseFinished(CheckpointFolder folder, String name) {
    Optional<Map<String, String>> finished = folder.finished();
    if (finished.isPresent()) {
      Map<String, String> note = finished.get();
      throw new UserError(name + " already finished its bounded run at " + note.get("finishedAt") + " (learned "
          + note.get("samplesLearned") + " samples in its last start; its versions are on the model-updates topic): "
          + "nothing to resume. Pass --fresh to learn again from the start (model versions restart at 1 on the "
          + "same topics), or use a new --topic-prefix");
    }
  }

  private static Configuration configuration(Path checkpoints) {
    Configuration conf = new Configuration();
    // Learner state (KVB keys and values, samples waiting for keys) outgrows the JobManager's 5 MB
    // in-memory checkpoint limit: checkpoint to local files instead.
    conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    return conf;
  }

  private static JobExecutionResult execute(LearnerJob job, LearnerJobConfig config, String name,
      Configuration conf, FlinkTarget target) throws Exception {
    if (!target.isLocal()) {
      // On a cluster a lost TaskManager or broker fails the job more than once while the cluster heals.
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 20);
      conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
    }
    StreamExecutionEnvironment env = target.environment(config, conf);
    KafkaLearnerJob.configure(env, config);
    job.build(env);
    return env.execute(name);
  }

  /** Flink could not map the checkpoint onto the job (operators removed) or read its state (schemas changed). */
  private static boolean isRestoreFailure(Throwable e) {
    return ExceptionUtils.findThrowable(e, StateMigrationException.class).isPresent()
        || ExceptionUtils.findThrowable(e, JobInitializationException.class).isPresent();
  }
}
