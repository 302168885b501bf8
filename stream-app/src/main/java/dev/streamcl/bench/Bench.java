package dev.streamcl.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code streamcl bench}: one run, one table. Each learner alone on precomputed features, MOA's Naive
 * Bayes and Hoeffding tree on the same stream, then the learners end to end through a real broker and
 * Flink (each alone and all in one job, steady state and start-up apart), label-to-model latency, and
 * the ratio of end-to-end to learner-only, and serving (saturation, latency with and without swaps).
 */
public final class Bench {
  static final int PARTITIONS = 2;
  static final String STREAM = "fmnist";

  /** What to run; {@code quick} cuts every phase to fit a few minutes on 2 cores. */
  public record Settings(Path dataDir, long seed, boolean quick, List<String> learners, LearnerJobConfig config,
      List<String> jobArgs, Path workDir) {
    /**
     * The end-to-end stream: 30 passes (1,800,000 samples) in a full bench. On 600,000 a fast learner's job
     * was done in about 10 s, within the JVM's warm-up: a profile of NMC's job there spent 31 % of its CPU in
     * the JIT compilers and 10 % in first-touch page faults of a growing heap, and its rate was
     * 58,000-66,000 samples/s against 104,000 on 1,800,000.
     */
    int repeats() {
      return quick ? 1 : 30;
    }

    Duration latencyWindow() {
      return quick ? Duration.ofSeconds(5) : Duration.ofSeconds(30);
    }
  }

  /** Everything one run measured. */
  public record Result(String machine, String ranAt, boolean quick, List<LearnerOnlyBench.Result> learnerOnly,
      List<MoaPeer.PeerResult> peers, List<EndToEndBench.Result> endToEnd, Map<String, Double> endToEndOverLearnerOnly,
      LabelToModelLatency.Result labelToModel, ServingBench.Result serving) {}

  static final int LATENCY_RATE = 2_000;
  static final int LATENCY_PUBLISH_EVERY = 100;

  private Bench() {}

  public static Result run(Settings settings, PrintStream out) throws Exception {
    SplitFashionMnist scenario = new SplitFashionMnist(new FashionMnist(settings.dataDir()), settings.seed(), 0);
    InMemory inMemory = inMemory(scenario, settings, out);
    List<LearnerOnlyBench.Result> learnerOnly = inMemory.learnerOnly();
    List<MoaPeer.PeerResult> peers = inMemory.peers();
    // The encoded streams and MOA's instances (about 600 MB) are garbage now; the broker below runs in this JVM.
    System.gc();
    // The broker's data (about 4 GB for the full stream and the jobs' outputs) goes when the bench ends; job logs stay.
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().scratchIn(settings.workDir()).partitions(PARTITIONS)
        .start()) {
      ClientConfigs clients = ClientConfigs.of(broker.bootstrap());
      RepeatedScenario stream = new RepeatedScenario(scenario, settings.repeats());
      Topics topics = new Topics("bench");
      out.printf("Publishing %,d samples (the stream %d times) to %s%n", stream.trainingSize(), stream.times(),
          topics.samples().name());
      new ScenarioPublisher(clients, topics, PARTITIONS, ScenarioPublisher.DEFAULT_COMMIT_EVERY, false)
          .publish(stream, STREAM);
      List<EndToEndBench.Result> endToEnd = new ArrayList<>();
      for (List<String> run : endToEndRuns(settings)) {
        String name = run.size() == 1 ? run.get(0) : "all";
        out.printf("End to end: %s on %,d samples%n", String.join(",", run), stream.trainingSize());
        endToEnd.add(EndToEndBench.run(name, run, clients, topics.samples().name(), stream.trainingSize(),
            settings.jobArgs(), settings.workDir()));
        out.println("  " + Tables.endToEndRow(endToEnd.get(endToEnd.size() - 1)));
      }
      out.printf("Label-to-model latency: nmc at %,d samples/s for %d s%n", LATENCY_RATE,
          settings.latencyWindow().toSeconds());
      LabelToModelLatency.Result latency = LabelToModelLatency.run(clients, scenario, "nmc", LATENCY_RATE,
          settings.latencyWindow(), LATENCY_PUBLISH_EVERY, settings.config().checkpointIntervalMs(),
          settings.workDir());
      out.println("Serving: a warm-up burst, 2,000 requests/s steady and while model versions arrive, then saturation");
      ServingBench.Result serving = ServingBench.run(broker.bootstrap(),
          settings.quick() ? ServingBench.Settings.quick() : ServingBench.Settings.full(), out);
      return new Result(Tables.machine(), Instant.now().toString(), settings.quick(), learnerOnly, peers, endToEnd,
          ratios(learnerOnly, endToEnd), latency, serving);
    }
  }

  private record InMemory(List<LearnerOnlyBench.Result> learnerOnly, List<MoaPeer.PeerResult> peers) {}

  /** The learners alone on precomputed features, and the MOA peers, on the same stream and order. */
  private static InMemory inMemory(SplitFashionMnist scenario, Settings settings, PrintStream out) throws Exception {
    LearnerJobConfig config = settings.config();
    out.printf("Encoding %,d training and %,d test samples for the learner-only runs%n", scenario.trainingSize(),
        scenario.testSize());
    EncodedStream training = EncodedStream.training(scenario, STREAM, config.encoder(), config.labelLimit());
    EncodedStream test = EncodedStream.test(scenario, STREAM, config.encoder(), config.labelLimit());
    List<LearnerOnlyBench.Result> learnerOnly = new ArrayList<>();
    for (String learner : settings.learners()) {
      learnerOnly.add(LearnerOnlyBench.run(learner, training, test, config, !settings.quick()));
      out.println("  " + Tables.learnerOnlyRow(learnerOnly.get(learnerOnly.size() - 1)));
    }
    out.println("MOA peers on the same stream, in the same order");
    List<MoaPeer.PeerResult> peers = MoaPeer.on(scenario, STREAM, 0, 0).runAll(!settings.quick());
    peers.forEach(p -> out.println("  " + p.line()));
    return new InMemory(learnerOnly, peers);
  }

  /** Each learner alone, then all together; --quick runs NMC alone and all together. */
  private static List<List<String>> endToEndRuns(Settings settings) {
    List<List<String>> runs = new ArrayList<>();
    for (String learner : settings.learners()) {
      if (!settings.quick() || learner.equals("nmc")) {
        runs.add(List.of(learner));
      }
    }
    if (settings.learners().size() > 1) {
      runs.add(settings.learners());
    }
    return runs;
  }

  /** Per learner: its steady rate in its own end-to-end job over its learner-only rate. */
  private static Map<String, Double> ratios(List<LearnerOnlyBench.Result> learnerOnly,
      List<EndToEndBench.Result> endToEnd) {
    Map<String, Double> ratios = new TreeMap<>();
    for (EndToEndBench.Result run : endToEnd) {
      if (run.learners().size() == 1) {
        EndToEndBench.LearnerRate rate = run.learners().get(0);
        learnerOnly.stream().filter(l -> l.learner().equals(rate.learner())).findFirst()
            .ifPresent(l -> ratios.put(rate.learner(), rate.samplesPerSecond() / l.samplesPerSecond()));
      }
    }
    return ratios;
  }

  /** The table on {@code out}. */
  public static void print(Result result, PrintStream out) {
    Tables.print(result, out);
  }

  /** The table as text, as {@link #print} writes it. */
  public static String table(Result result) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      print(result, out);
    }
    return bytes.toString(StandardCharsets.UTF_8).strip() + "\n";
  }

  /** The figures as JSON: the result's records as objects, field names as in the records. */
  public static String json(Result result) throws JsonProcessingException {
    return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n";
  }

  /** Reads back what {@link #json} wrote; figures a run could not measure are written and read as NaN. */
  public static Result read(Path json) throws IOException {
    return new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
        .readValue(json.toFile(), Result.class);
  }
}
