package dev.streamcl.cli;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.flink.JobProperties;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "scale-out", mixinStandardHelpOptions = true, modelTransformer = LearnerJobOptions.Transformer.class,
    description = "Learns a class-incremental scenario once for each --compare value of --stream-parallelism (each "
        + "stream spread over that many learner subtasks) on one embedded broker, and prints every learner's "
        + "accuracy on the test split side by side, and whether NMC published the same bytes each time.")
final class ScaleOutCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--scenario", defaultValue = SplitFashionMnist.NAME,
      description = "The demo's scenarios: split-fmnist or wordnet-supersenses (default: ${DEFAULT-VALUE}).")
  String scenarioName;

  @Mixin ScenarioOptions scenario;

  @Option(names = "--compare", split = ",", defaultValue = "1,2,4",
      description = "Stream parallelisms to run, the first one the reference (default: ${DEFAULT-VALUE}).")
  List<Integer> streamParallelisms;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Map<Integer, Demo.Result> results = new LinkedHashMap<>();
    Path dataDir = Files.createTempDirectory("streamcl-scale-out-kafka");
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().dataDir(dataDir).partitions(scenario.partitions).start()) {
      for (int shards : streamParallelisms) {
        String prefix = prefix(shards);
        LearnerJobConfig config = LearnerJobOptions.config(LearnerJobOptions.values(spec), prefix).toBuilder()
            .streamParallelism(shards).build();
        out.printf("%n== --stream-parallelism %d (parallelism %d), topics %s.*%n", shards, config.parallelism(),
            prefix);
        results.put(shards, Demo.run(new Demo.Settings(broker.bootstrap(), new Properties(), prefix, scenarioName,
            scenario.dataDir, scenario.seed, scenario.streamId, scenario.samplesPerTask, scenario.partitions,
            config, false, false, Integer.MAX_VALUE, null, null), out));
      }
    }
    print(results, out);
    return 0;
  }

  private void print(Map<Integer, Demo.Result> results, PrintStream out) {
    out.printf("%nAccuracy of each learner's newest version on the test split of %s (seed %d), by stream "
        + "parallelism:%n", scenarioName, scenario.seed);
    StringBuilder header = new StringBuilder(String.format("  %-12s", "learner"));
    results.keySet().forEach(n -> header.append(String.format("  %10s", "x" + n)));
    out.println(header);
    Demo.Result first = results.values().iterator().next();
    for (String learner : first.learners().keySet()) {
      StringBuilder row = new StringBuilder(String.format("  %-12s", learner));
      results.values().forEach(r -> row.append(String.format("  %9.2f%%", 100 * r.learner(learner).accuracy())));
      out.println(row);
    }
    StringBuilder rate = new StringBuilder(String.format("  %-12s", "samples/s"));
    results.values().forEach(r -> rate.append(String.format("  %10.0f", r.samplesPerSecond())));
    out.println(rate);
    String nmc = scenario.streamId + "/" + NearestClassMeanModel.LEARNER;
    int firstRun = results.keySet().iterator().next();
    List<String> reference = comparable(first.published().updates(nmc), prefix(firstRun));
    if (!reference.isEmpty()) {
      results.forEach((n, r) -> {
        List<String> updates = comparable(r.published().updates(nmc), prefix(n));
        long same = 0;
        while (same < Math.min(reference.size(), updates.size()) && reference.get((int) same)
            .equals(updates.get((int) same))) {
          same++;
        }
        out.printf("  nmc x%d: %d of %d update records identical to x%d's (all bytes but the recorded stream "
            + "parallelism and the topic names)%s%n", n, same, updates.size(), firstRun,
            updates.size() == reference.size() && same == reference.size() ? "" : "  DIFFERENT");
      });
    }
  }

  private static String prefix(int streamParallelism) {
    return "scale-x" + streamParallelism;
  }

  /**
   * Update records without what must differ between the runs: the recorded stream parallelism, and the topic
   * names (each run has its own prefix, in the source offsets and in recorded settings such as KVB's key topic).
   */
  private static List<String> comparable(List<byte[]> records, String prefix) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    return records.stream().map(codec::decode).map(update -> {
      Map<String, String> properties = new TreeMap<>();
      update.getProperties().forEach((key, value) -> properties.put(key, value.replace(prefix + ".", "PREFIX.")));
      properties.remove(JobProperties.PREFIX + "streamParallelism");
      update.setProperties(properties);
      update.setSourceOffsets(update.getSourceOffsets().stream()
          .map(o -> new SourceOffset("", o.getPartition(), o.getOffset())).toList());
      return Arrays.toString(codec.encode(update));
    }).toList();
  }
}
