package dev.streamcl.cli;

import dev.streamcl.dashboard.DashboardCommand;
import dev.streamcl.dashboard.DashboardServer;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.lda.StreamingLdaLearner;
import dev.streamcl.learner.ranpac.RanpacLearner;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.ops.Folders;
import dev.streamcl.ops.LocalCluster;
import dev.streamcl.report.DriftLines;
import dev.streamcl.report.SummaryTable;
import dev.streamcl.scenario.Scenarios;
import dev.streamcl.scenario.SplitFashionMnist;
import dev.streamcl.scenario.WordNetSupersenses;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true, modelTransformer = LearnerJobOptions.Transformer.class,
    description = "Publishes a class-incremental scenario (Split-Fashion-MNIST by default, or the WordNet text "
        + "stream), learns it with the Flink job, serves the models and measures accuracy on the test split — on an "
        + "embedded broker unless --bootstrap is given.")
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--bootstrap", description = "Use this Kafka cluster instead of an embedded broker.")
  String bootstrap;

  @Option(names = "--client-properties", description = "Kafka client properties file for --bootstrap.")
  Path clientProperties;

  @Option(names = "--topic-prefix", defaultValue = "streamcl",
      description = "Topic prefix (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = "--scenario", defaultValue = SplitFashionMnist.NAME, description = SplitFashionMnist.NAME
      + " (images) or " + WordNetSupersenses.NAME + " (text: the encoder defaults to minilm, --label-limit to 25"
      + ", --learners adds slda and ranpac, --replay-lr is 3)"
      + " (default: ${DEFAULT-VALUE}).")
  String scenarioName;

  @Mixin ScenarioOptions scenario;
  @Mixin CheckpointOptions checkpoints;

  @Option(names = "--joint", description = "Also learn an i.i.d. copy of the stream and report its fine-tuned head as "
      + "'joint', the upper bound (needs finetune in --learners; doubles the job's work).")
  boolean joint;

  @Option(names = "--cluster", description = "Run on a real cluster on this machine instead of in-process: three Kafka "
      + "brokers (replication factor 3, min.insync.replicas 2) and a Flink JobManager with two TaskManagers, each its "
      + "own JVM, started for the demo and stopped after it; the job is submitted as a job jar over REST.")
  boolean cluster;

  @Option(names = "--evaluate-every", defaultValue = "5",
      description = "Evaluate every K-th model version (and every task boundary and the newest)"
          + " (default: ${DEFAULT-VALUE}).")
  int evaluateEvery;

  @Option(names = "--report", defaultValue = "streamcl-report",
      description = "Directory of the HTML report and its PNG charts (default: ${DEFAULT-VALUE}).")
  Path reportDir;

  @Option(names = "--dashboard", arity = "0..1", paramLabel = "PORT",
      fallbackValue = "" + DashboardCommand.DEFAULT_PORT, description = "Serve the live dashboard (as `streamcl "
          + "dashboard`) of the demo's topics on this port (default: ${FALLBACK-VALUE}; 0 picks a free one) while the "
          + "demo runs.")
  Integer dashboardPort;

  /** The dashboard on the demo's broker and topics, when --dashboard asks for it. */
  private Demo.Companion dashboard() {
    if (dashboardPort == null) {
      return Demo.Companion.NONE;
    }
    return (clients, topics, out) -> {
      DashboardServer server = DashboardServer.start(clients, topics, "127.0.0.1", dashboardPort);
      out.println("Dashboard at " + server.url());
      return server;
    };
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    if (evaluateEvery < 1) {
      throw new UserError("--evaluate-every must be at least 1, got " + evaluateEvery);
    }
    LearnerJobConfig learner = learnerConfig();
    EncoderCheck.opened(learner.encoder().withDevice(learner.device()));
    if (joint && !learner.runs(Demo.FINETUNE)) {
      throw new UserError("--joint reports the fine-tuned head of an i.i.d. stream: add " + Demo.FINETUNE
          + " to --learners");
    }
    if (bootstrap != null) {
      if (cluster) {
        throw new UserError("--cluster starts its own Kafka brokers: leave out --bootstrap");
      }
      KafkaOptions.requireReachable(new ClientConfigs(bootstrap, ClientConfigs.loadProperties(clientProperties), true));
    }
    Demo.Result result = cluster ? runOnLocalCluster(learner, out) : Demo.run(new Demo.Settings(bootstrap,
        ClientConfigs.loadProperties(clientProperties), topicPrefix, scenarioName, scenario.dataDir, scenario.seed,
        streamId(), scenario.samplesPerTask, scenario.partitions, learner, true, joint, evaluateEvery, reportDir,
        bootstrap == null ? null : checkpoints), out, dashboard());
    print(result, learner, out);
    out.println();
    out.print(SummaryTable.format(result.report()));
    out.println();
    out.print(DriftLines.format(result.report()));
    out.println("Report: " + result.reportHtml().toAbsolutePath());
    return 0;
  }

  /** Starts the multi-process cluster, runs the demo on it, stops it; its logs stay when the demo fails. */
  private Demo.Result runOnLocalCluster(LearnerJobConfig learner, PrintStream out) throws Exception {
    Path jobJar = FlinkTarget.jobJar(null); // before any node starts
    Path work = Files.createTempDirectory("streamcl-cluster");
    out.println("Starting a local cluster (3 Kafka brokers, a Flink JobManager and 2 TaskManagers, each its own "
        + "JVM; logs in " + work + ")");
    boolean done = false;
    try (LocalCluster nodes = LocalCluster.start(work, LocalCluster.Settings.defaults())) {
      out.println("Kafka at " + nodes.bootstrap() + "; Flink REST at http://" + nodes.flinkRest() + " with "
          + nodes.registeredTaskManagers() + " TaskManagers");
      Demo.Result result = Demo.run(new Demo.Settings(nodes.bootstrap(), new Properties(), topicPrefix, scenarioName,
          scenario.dataDir, scenario.seed, streamId(), scenario.samplesPerTask, scenario.partitions, learner, true,
          joint, evaluateEvery, reportDir, null, FlinkTarget.cluster(nodes.flinkRest(), jobJar)), out, dashboard());
      done = true;
      return result;
    } finally {
      if (done) {
        Folders.deleteRecursively(work);
      } else {
        out.println("The cluster's logs: " + work);
      }
    }
  }

  /** The learner job's configuration: the options given, the scenario's defaults for those not given. */
  LearnerJobConfig learnerConfig() {
    if (!List.of(SplitFashionMnist.NAME, WordNetSupersenses.NAME).contains(scenarioName)) {
      throw new UserError("The demo runs " + SplitFashionMnist.NAME + " or " + WordNetSupersenses.NAME + ", not '"
          + scenarioName + "'; publish other scenarios with `streamcl publish` and learn them with `streamcl learn`");
    }
    return LearnerJobOptions.config(LearnerJobOptions.values(spec, scenarioDefaults()), topicPrefix);
  }

  /** The SGD heads' learning rate on sentence embeddings: features of unit length need a larger step than pixels. */
  static final String TEXT_REPLAY_LEARNING_RATE = "3";

  /**
   * The text scenario's encoder, class count, learners (streaming LDA and RanPAC beside the usual five: the
   * learners a pretrained encoder serves best) and the SGD heads' step (one i.i.d. pass over the MiniLM embeddings
   * reaches 49.2 % at 0.1, 72.1 % at 1, 74.7 % at 3, 73.0 % at 10), where the command line does not name others.
   */
  private Map<String, String> scenarioDefaults() {
    List<String> learners = new ArrayList<>(Learners.DEFAULT_RUN);
    learners.add(1, StreamingLdaLearner.LEARNER);
    learners.add(2, RanpacLearner.LEARNER);
    return Scenarios.readsText(scenarioName)
        ? Map.of(LearnerJobOptions.ENCODER, "minilm", LearnerJobOptions.LABEL_LIMIT,
            Integer.toString(WordNetSupersenses.CLASSES), LearnerJobOptions.LEARNERS, String.join(",", learners),
            ReplayHeadLearner.LEARNING_RATE_OPTION, TEXT_REPLAY_LEARNING_RATE)
        : Map.of();
  }

  /** The stream is named after the scenario unless --stream-id says otherwise. */
  private String streamId() {
    boolean given = spec.commandLine().getParseResult().hasMatchedOption("--stream-id");
    return given || !Scenarios.readsText(scenarioName) ? scenario.streamId : scenarioName;
  }

  private void print(Demo.Result r, LearnerJobConfig learner, PrintStream out) {
    out.println();
    out.println("StreamCL demo — class-incremental " + scenarioName + ", " + learner.encoder() + " encoder, seed "
        + scenario.seed);
    String unit = learner.encoder().readsText() ? "texts" : "samples";
    out.printf("  learner job   %,d %s embedded and learned in %.1f s = %,.0f %s/s (parallelism %d)%n",
        r.learnedSamples(), unit, r.jobSeconds(), r.samplesPerSecond(), unit, learner.parallelism());
    r.learners().forEach((name, l) -> out.printf(
        "  %-12s  %d versions published; %,d test requests answered, %,d by the newest version %d%n",
        name, l.modelVersions(), l.answered(), l.answeredByFinalVersion(), l.finalVersion()));
    out.println();
    StringBuilder header = new StringBuilder("  task id  classes  test samples"); // task ids as in the events, from 0
    r.learners().keySet().forEach(name -> header.append(String.format("  %12s", name + " acc.")));
    out.println(header);
    Demo.LearnerResult any = r.learners().values().iterator().next();
    List<String> classes = r.classesOfTasks();
    for (int t = 0; t < classes.size(); t++) {
      StringBuilder row = new StringBuilder(String.format("  %-7d  %-7s  %,12d", t, classes.get(t),
          any.countPerTask()[t]));
      final int task = t;
      r.learners().values().forEach(l -> row.append(String.format("  %11.2f%%", 100 * l.taskAccuracy(task))));
      out.println(row);
    }
    String allClasses = "0-" + (any.countPerClass().length - 1);
    StringBuilder all = new StringBuilder(String.format("  all      %-7s  %,12d", allClasses, any.answered()));
    r.learners().values().forEach(l -> all.append(String.format("  %11.2f%%", 100 * l.accuracy())));
    out.println(all);
    StringBuilder macro = new StringBuilder(String.format("  macro    %-7s  %12s", allClasses, "per class"));
    r.learners().values().forEach(l -> macro.append(String.format("  %11.2f%%", 100 * l.macroAccuracy())));
    out.println(macro);
  }
}
