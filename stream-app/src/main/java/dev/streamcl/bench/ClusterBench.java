package dev.streamcl.bench;

import dev.streamcl.cli.FlinkTarget;
import dev.streamcl.cli.LocalFlink;
import dev.streamcl.events.LearnerThroughput;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.OptionValues;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.ops.LocalCluster;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;

/**
 * Throughput of the learner job on the multi-process local cluster ({@link LocalCluster}: three brokers, a
 * JobManager, one or two TaskManagers of two slots, the job at two subtasks per TaskManager) for 1, 2 and 4
 * streams, and for one stream spread over two and four subtasks. Beside each measured rate: the slowest learner's
 * samples per busy second of one subtask, and the rate it projects when every busy learner subtask has a core of
 * its own ({@code min(subtasks, streams × stream parallelism)} × that rate) — what the figures of a small machine
 * cannot show directly.
 */
public final class ClusterBench {
  /** One cell of the table. */
  public record Row(int taskManagers, int parallelism, int streams, int streamParallelism, long samples,
      double seconds, String slowestLearner, double slowestPerSubtask) {
    public double samplesPerSecond() {
      return samples / seconds;
    }

    /** Learner subtasks that have samples to learn: each stream's shards, at most one per subtask. */
    public int busySubtasks() {
      return Math.min(parallelism, streams * streamParallelism);
    }

    public double projected() {
      return busySubtasks() * slowestPerSubtask;
    }
  }

  /** What to run: the learner job's options (learners, publish interval, …) and the samples of each stream's tasks. */
  public record Settings(OptionValues learner, Path dataDir, int samplesPerTask, Path workDir) {}

  private ClusterBench() {}

  public static List<Row> run(Settings settings, PrintStream out) throws Exception {
    FlinkTarget.jobJar(null); // refused before any node starts when the build left no job jar
    List<Row> rows = new ArrayList<>();
    for (int taskManagers : List.of(1, 2)) {
      out.printf("Starting a cluster with %d TaskManager(s) of 2 slots, 3 brokers%n", taskManagers);
      try (LocalCluster cluster = LocalCluster.start(settings.workDir().resolve("tm" + taskManagers),
          new LocalCluster.Settings(3, taskManagers, 2, "1600m"))) {
        FlinkTarget flink = FlinkTarget.cluster(cluster.flinkRest(), null);
        ClientConfigs clients = ClientConfigs.of(cluster.bootstrap());
        int parallelism = 2 * taskManagers;
        int[][] cells = {{1, 1}, {2, 1}, {4, 1}, {1, 2}, {1, 4}};
        for (int[] cell : cells) {
          rows.add(measure(settings, clients, flink, taskManagers, parallelism, cell[0], cell[1], out));
        }
      }
    }
    return rows;
  }

  private static Row measure(Settings settings, ClientConfigs clients, FlinkTarget flink, int taskManagers,
      int parallelism, int streams, int streamParallelism, PrintStream out) throws Exception {
    Topics topics = new Topics("bench-tm" + taskManagers + "-s" + streams + "-x" + streamParallelism);
    KafkaTopics.create(clients.admin(), 4, List.of(topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.alerts().name(), topics.keyInit().name()));
    ScenarioPublisher publisher = new ScenarioPublisher(clients, topics, 4, ScenarioPublisher.DEFAULT_COMMIT_EVERY,
        false);
    SplitFashionMnist scenario = new SplitFashionMnist(new FashionMnist(settings.dataDir()), 42,
        settings.samplesPerTask());
    LearnerJobConfig config = LearnerJobOptions.config(settings.learner(), topics.prefix()).toBuilder()
        .parallelism(parallelism).streamParallelism(streamParallelism).build();
    for (int s = 0; s < streams; s++) {
      publisher.publish(scenario, "stream-" + s);
      for (var warmup : config.warmupTopics().entrySet()) {
        publisher.publishUnlabelled(scenario, "stream-" + s, warmup.getKey(), warmup.getValue());
      }
    }
    String name = "bench " + topics.prefix();
    JobExecutionResult result = LocalFlink.run(KafkaLearnerJob.create(clients, topics, config, true), config, name,
        flink);
    LearnerThroughput slowest = LearnerJob.throughputs(result, name, Instant.now()).stream()
        .min(Comparator.comparingDouble(LearnerThroughput::getSamplesPerSecond)).orElseThrow();
    Row row = new Row(taskManagers, parallelism, streams, streamParallelism, LearnerJob.samplesIn(result),
        result.getNetRuntime() / 1000.0, slowest.getLearner(), slowest.getSamplesPerSecond());
    out.println(format(row));
    return row;
  }

  public static String header() {
    return String.format("  %3s %4s %7s %7s %9s %7s %10s   %-10s %12s %7s %12s", "TMs", "par.", "streams", "stream",
        "encoded", "s", "samples/s", "slowest", "per subtask", "busy", "projected");
  }

  public static String format(Row r) {
    return String.format("  %3d %4d %7d %7s %,9d %7.1f %,10.0f   %-10s %,12.0f %7d %,12.0f", r.taskManagers(),
        r.parallelism(), r.streams(), "x" + r.streamParallelism(), r.samples(), r.seconds(), r.samplesPerSecond(),
        r.slowestLearner(), r.slowestPerSubtask(), r.busySubtasks(), r.projected());
  }

  public static void print(List<Row> rows, PrintStream out) {
    out.println();
    out.println("Learner job on the local cluster (" + Tables.machine() + "); every node of the cluster shares these "
        + "cores");
    out.println(header());
    rows.forEach(r -> out.println(format(r)));
    out.println("  encoded: each stream's samples and the KVB key-init samples published for it; stream: the "
        + "subtasks each stream is spread over");
    out.println("  per subtask: the slowest learner's samples per busy second of one subtask (busy time includes "
        + "waiting for a core the cluster's other JVMs hold); projected: that rate times the busy learner subtasks, "
        + "each on a core of its own");
  }
}
