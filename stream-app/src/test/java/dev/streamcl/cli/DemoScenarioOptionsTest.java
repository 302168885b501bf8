package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** `demo --scenario`: the text scenario brings its encoder, class count and learners unless the options say else. */
class DemoScenarioOptionsTest {
  @Test
  void theTextScenarioDefaultsToMinilmTwentyFiveClassesStreamingLdaAndRanpac() {
    LearnerJobConfig text = config("--scenario", "wordnet-supersenses");

    assertTrue(text.encoder().readsText());
    assertEquals("minilm", text.encoder().toString());
    assertEquals(25, text.labelLimit());
    List<String> expected = new ArrayList<>(Learners.DEFAULT_RUN);
    expected.add(1, "slda");
    expected.add(2, "ranpac");
    assertEquals(expected, text.learners());
    assertEquals(3f, text.settings(ReplayHeadLearner.FAMILY).learningRate(), "SGD heads on unit-length embeddings");
  }

  @Test
  void optionsGivenWinOverTheScenarioAndTheImageDemoKeepsItsDefaults() {
    LearnerJobConfig given = config("--scenario", "wordnet-supersenses", "--label-limit", "30", "--learners", "nmc");
    assertEquals("minilm", given.encoder().toString());
    assertEquals(30, given.labelLimit());
    assertEquals(List.of("nmc"), given.learners());

    assertEquals(LearnerJobOptions.defaults(), config().toBuilder().build());
    LearnerJobConfig images = config("--scenario", "split-fmnist");
    assertFalse(images.encoder().readsText());
    assertEquals(Learners.DEFAULT_RUN, images.learners());
  }

  @Test
  void aScenarioTheDemoCannotTabulateIsRefusedWithWhatToDoInstead() {
    UserError e = assertThrows(UserError.class, () -> config("--scenario", "permuted-fmnist"));
    assertTrue(e.getMessage().contains("streamcl publish") && e.getMessage().contains("wordnet-supersenses"),
        e.getMessage());
  }

  private static LearnerJobConfig config(String... args) {
    CommandLine cli = StreamCl.commandLine();
    List<String> all = new ArrayList<>(List.of("demo", "--topic-prefix", "streamcl"));
    all.addAll(List.of(args));
    cli.parseArgs(all.toArray(String[]::new));
    return ((DemoCommand) cli.getSubcommands().get("demo").getCommand()).learnerConfig();
  }
}
