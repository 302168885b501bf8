package dev.streamcl.cli;

import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Where a learner job runs: an in-process Flink MiniCluster ({@link #LOCAL}), or a Flink session cluster whose
 * JobManager answers REST at {@code host:port}, which gets the job graph and the learner's job jar
 * ({@code learner/target/streamcl-learner-*-job.jar}, built by Maven) as {@code flink run} would send them.
 */
public record FlinkTarget(String restAddress, Path jobJar, LocalMonitoring monitoring) {
  public static final FlinkTarget LOCAL = new FlinkTarget(null, null, LocalMonitoring.NONE);

  /** A local MiniCluster with its web UI and Prometheus metrics where {@code monitoring} asks for them. */
  public static FlinkTarget local(LocalMonitoring monitoring) {
    return new FlinkTarget(null, null, monitoring.resolved());
  }

  /** The session cluster at {@code host:port}, sent {@code jobJar} (null: the one the build left beside the job). */
  public static FlinkTarget cluster(String restAddress, Path jobJar) {
    if (!restAddress.matches("[^:]+:\\d+")) {
      throw new UserError("--flink takes the JobManager's REST address as host:port, got '" + restAddress + "'");
    }
    return new FlinkTarget(restAddress, jobJar(jobJar), LocalMonitoring.NONE);
  }

  /** {@code given}, or the job jar the build left beside the learner's classes; refused when it is not there. */
  public static Path jobJar(Path given) {
    Path jar = given != null ? given : builtJobJar();
    if (!Files.isRegularFile(jar)) {
      throw new UserError("No job jar at " + jar + ": build it with `mvn -pl learner -am package -DskipTests`");
    }
    return jar;
  }

  public boolean isLocal() {
    return restAddress == null;
  }

  /** In words, for what the commands print. */
  public String describe(LearnerJobConfig config) {
    return isLocal() ? "a local Flink MiniCluster (parallelism " + config.parallelism() + ")"
        : "the Flink cluster at " + restAddress + " (parallelism " + config.parallelism() + ", job jar "
            + jobJar.getFileName() + ")";
  }

  /** The environment a job is built in and executed from. */
  StreamExecutionEnvironment environment(LearnerJobConfig config, Configuration conf) {
    if (isLocal()) {
      monitoring.configure(conf);
      if (monitoring.webUi()) {
        conf.set(CoreOptions.DEFAULT_PARALLELISM, config.parallelism());
        return StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      }
      return StreamExecutionEnvironment.createLocalEnvironment(config.parallelism(), conf);
    }
    int colon = restAddress.lastIndexOf(':');
    return StreamExecutionEnvironment.createRemoteEnvironment(restAddress.substring(0, colon),
        Integer.parseInt(restAddress.substring(colon + 1)), conf, jobJar.toString());
  }

  /** The {@code *-job.jar} Maven's shade plugin writes beside the learner module's classes or jar. */
  private static Path builtJobJar() {
    try {
      Path code = Path.of(KafkaLearnerJob.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = code.getParent();
      try (Stream<Path> files = Files.list(dir)) {
        return files.filter(f -> f.getFileName().toString().matches("streamcl-learner-.*-job\\.jar")).findFirst()
            .orElse(dir.resolve("streamcl-learner-job.jar"));
      }
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
