package dev.streamcl.cli;

import dev.streamcl.events.LearnerThroughput;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.report.Throughputs;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "learn", mixinStandardHelpOptions = true, modelTransformer = LearnerJobOptions.Transformer.class,
    description = "Runs the learner job (Kafka → encoder → learners → model updates) on a local Flink MiniCluster, "
        + "or on a Flink session cluster with --flink; a restarted job resumes from its newest checkpoint.")
final class LearnCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin CheckpointOptions checkpoints;
  @Spec CommandSpec spec;

  @Option(names = "--bounded",
      description = "Stop at the samples topic's end as of the first start (replays); default: run until stopped.")
  boolean bounded;

  @Option(names = "--samples-topic", description = "Learn from this topic instead of <prefix>.samples, so several "
      + "runs (other learners, other settings, each under its own --topic-prefix) learn one published stream.")
  String samplesTopic;

  @Option(names = "--flink", paramLabel = "HOST:PORT", description = "Submit the job to the Flink session cluster "
      + "whose JobManager answers REST here (e.g. ops/bin/cluster-start.sh's), with the learner's job jar, instead "
      + "of starting a MiniCluster; checkpoints must then be in a folder its TaskManagers reach.")
  String flink;

  @Option(names = "--job-jar", description = "The job jar to submit with --flink (default: the one Maven built, "
      + "learner/target/streamcl-learner-*-job.jar).")
  Path jobJar;

  @Option(names = "--web-ui-port", defaultValue = "" + LocalMonitoring.DEFAULT_WEB_UI_PORT, description = "Port of "
      + "the local MiniCluster's Flink web UI; 0: any free port, -1: none (default: ${DEFAULT-VALUE}).")
  int webUiPort;

  @Option(names = "--metrics-port", defaultValue = "" + LocalMonitoring.DEFAULT_METRICS_PORT, description = "Port at "
      + "which the local MiniCluster serves its metrics for Prometheus (/metrics: per learner samplesPerSecond, "
      + "busyMillisPerSecond, publishedVersions, modelVersion, modelBytes, prequentialAccuracy); 0: any free port, "
      + "-1: none (default: ${DEFAULT-VALUE}).")
  int metricsPort;

  @Override
  public Integer call() throws Exception {
    LearnerJobConfig config = LearnerOptions.config(spec, kafka.topicPrefix);
    ClientConfigs clients = kafka.clients();
    String job = "streamcl-learner " + kafka.topicPrefix;
    String samples = samplesTopic == null ? kafka.topics().samples().name() : samplesTopic;
    LocalFlink.Resumable resumable = checkpoints.resumable(clients, kafka.topicPrefix, "learn", config, samples,
        bounded);
    FlinkTarget target = flink == null ? FlinkTarget.local(new LocalMonitoring(webUiPort, metricsPort))
        : FlinkTarget.cluster(flink, jobJar);
    System.out.println("Running " + job + " on " + target.describe(config));
    System.out.print(target.monitoring().describe());
    JobExecutionResult result = LocalFlink.run(KafkaLearnerJob.create(clients, samples, kafka.topics(), config,
        bounded ? OffsetsInitializer.latest() : null), config, job, resumable, target, System.out);
    long learned = LearnerJob.samplesIn(result);
    System.out.printf("Learned from %,d samples in %.1f s (%,.0f samples/s)%n", learned,
        result.getNetRuntime() / 1000.0, learned * 1000.0 / Math.max(1, result.getNetRuntime()));
    List<LearnerThroughput> throughputs = LearnerJob.throughputs(result, job, Instant.now());
    throughputs.forEach(t -> System.out.printf("  %-12s %,.0f samples per busy second of its operator%n",
        t.getLearner(), t.getSamplesPerSecond()));
    // An unbounded job stopped by Ctrl-C never gets here; its throughput stays unrecorded.
    Throughputs.publish(clients, kafka.topics(), throughputs);
    return 0;
  }
}
