package dev.streamcl.cli;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.learner.LearnerOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * `streamcl learn`, `streamcl demo` and the job jar's main (`flink run`) accept exactly the same learner
 * options and turn them into the same configuration.
 */
class LearnerOptionsParityTest {
  private static final String PREFIX = "parity";

  /** A valid value other than the default for every learner job option (null: a flag). */
  private static final Map<String, String> CHANGED = new TreeMap<>(Map.ofEntries(
      entry("--encoder", "pixels:14x14"), entry("--device", "cuda:1"), entry("--cpu-fallback", ""),
      entry("--batch-size", "32"), entry("--batch-delay-ms", "250"), entry("--publish-every", "500"),
      entry("--no-task-boundaries", ""), entry("--label-limit", "7"), entry("--max-payload-bytes", "4096"),
      entry("--parallelism", "3"), entry("--stream-parallelism", "2"), entry("--checkpoint-interval-ms", "900"),
      entry("--drift-delta", "0.01"),
      entry("--state-backend", "rocksdb"),
      entry("--learners", "nmc,er-balanced,kvb"), entry("--kvb-preset", "larger"), entry("--kvb-keys", "stream"),
      entry("--kvb-batch", "64"), entry("--kvb-snapshot-every", "5"), entry("--replay-capacity", "250"),
      entry("--replay-batch", "16"), entry("--replay-count", "8"), entry("--replay-lr", "0.05"),
      entry("--replay-steps", "2"), entry("--replay-seed", "7"), entry("--slda-shrinkage", "0.01"),
      entry("--slda-solve-every", "64"), entry("--ranpac-dim", "512"), entry("--ranpac-seed", "3"),
      entry("--ranpac-solve-every", "1000")));

  @Test
  void everyOptionIsCoveredHere() {
    Set<String> declared = LearnerJobOptions.all().stream().map(LearnerOption::name).collect(Collectors.toSet());
    assertEquals(new TreeMap<>(CHANGED).keySet(), new java.util.TreeSet<>(declared),
        "a new learner option needs a changed value in this test");
  }

  @Test
  void bothEntryPointsBuildTheSameConfigurationFromEveryOption() {
    List<String> args = new ArrayList<>();
    CHANGED.forEach((name, value) -> {
      args.add(name);
      if (!value.isEmpty()) {
        args.add(value);
      }
    });
    LearnerJobConfig job = viaJobJar(args);
    assertEquals(job, viaCli("learn", args));
    assertEquals(job, viaCli("demo", args));
    assertNotEquals(LearnerJobOptions.defaults(), job);
    assertEquals(7, job.labelLimit());
    assertEquals(Map.of(), job.warmupTopics(), "--kvb-keys stream: KVB reads no key-init topic");
    System.out.println("all " + CHANGED.size() + " learner options parsed identically by learn, demo and the job jar");
  }

  @Test
  void eachOptionAloneGivesTheSameConfigurationThroughBothEntryPoints() {
    CHANGED.forEach((name, value) -> {
      List<String> args = value.isEmpty() ? List.of(name) : List.of(name, value);
      assertEquals(viaJobJar(args), viaCli("learn", args), name);
    });
    assertEquals(viaJobJar(List.of()), viaCli("learn", List.of()), "defaults");
    assertEquals(LearnerJobOptions.config(LearnerJobOptions.defaultValues(), PREFIX).toBuilder().build(),
        viaCli("learn", List.of()).toBuilder().build());
  }

  @Test
  void aBadValueIsRefusedWithTheSameMessageNamingTheOptionTheValueAndWhatIsAllowed() {
    Map<List<String>, String> bad = Map.of(
        List.of("--kvb-batch", "0"), "Invalid value '0' for option --kvb-batch: expected a whole number of at least 1",
        List.of("--state-backend", "memory"), "Invalid value 'memory' for option --state-backend: expected one of "
            + "hashmap, rocksdb",
        List.of("--learners", "nmc,xyz"), "Invalid value 'nmc,xyz' for option --learners: expected a comma-separated "
            + "list of distinct names out of nmc, slda, ranpac, kvb, er, er-balanced, fetril, finetune",
        List.of("--slda-shrinkage", "1.5"), "Invalid value '1.5' for option --slda-shrinkage: expected a number "
            + "between 0 and 1, e.g. 0.0001",
        List.of("--ranpac-dim", "20000"), "Invalid value '20000' for option --ranpac-dim: expected a dimension up to "
            + "10000, e.g. 1024 or 2048",
        List.of("--replay-lr", "-1"), "Invalid value '-1' for option --replay-lr: expected a number above 0, e.g. 0.1");
    bad.forEach((args, message) -> {
      assertEquals(message, assertThrows(IllegalArgumentException.class, () -> viaJobJar(args)).getMessage());
      assertEquals(message, assertThrows(IllegalArgumentException.class, () -> viaCli("learn", args)).getMessage());
    });
  }

  @Test
  void helpListsEveryLearnerFromTheRegistry() {
    String help = StreamCl.commandLine().getSubcommands().get("learn").getUsageMessage().replaceAll("\\s+", " ");
    for (String learner : dev.streamcl.learner.Learners.names()) {
      assertTrue(help.contains(learner + " ("), learner + " missing from --learners help:\n" + help);
    }
    assertTrue(help.contains("--kvb-snapshot-every") && help.contains("--replay-seed")
        && help.contains("--state-backend"));
  }

  private static LearnerJobConfig viaJobJar(List<String> args) {
    List<String> all = new ArrayList<>(List.of("--bootstrap", "127.0.0.1:9", "--topic-prefix", PREFIX));
    all.addAll(args);
    return KafkaLearnerJob.parse(all.toArray(String[]::new)).config();
  }

  private static LearnerJobConfig viaCli(String command, List<String> args) {
    CommandLine cli = StreamCl.commandLine();
    List<String> all = new ArrayList<>(List.of(command, "--topic-prefix", PREFIX));
    all.addAll(args);
    cli.parseArgs(all.toArray(String[]::new));
    CommandSpec spec = cli.getSubcommands().get(command).getCommandSpec();
    return LearnerOptions.parse(spec, PREFIX); // parsing only: cuda:1 need not exist here
  }
}
