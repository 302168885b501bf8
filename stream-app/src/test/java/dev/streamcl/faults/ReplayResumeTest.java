package dev.streamcl.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.cli.LocalFlink;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamcl replay} killed with SIGKILL once its first versions are committed, and started
 * again: it resumes instead of refusing its half-written topics, and still reproduces the original run
 * byte for byte (its own check exits 0 only then).
 */
@ExtendWith(KafkaBrokerExtension.class)
class ReplayResumeTest {
  private static final String STREAM = "replayed";

  @Test
  void aKilledReplayResumesAndStillReproducesTheRun(@TempDir Path checkpoints) throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    Topics original = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("replay-resume"));
    KafkaTopics.create(clients.admin(), 2, List.of(original.samples().name(), original.modelUpdates().name(),
        original.predictions().name(), original.deadLetters().name(), original.alerts().name()));
    new ScenarioPublisher(clients, original, 2, ScenarioPublisher.DEFAULT_COMMIT_EVERY, false)
        .publish(new SplitFashionMnist(FashionMnist.atDefaultLocation(), 7, 1_600), STREAM);
    LearnerJobConfig config = LearnerJobOptions.defaults().toBuilder().publishEvery(200).build();
    LocalFlink.run(KafkaLearnerJob.create(clients, original, config, true), config, "original run");

    Topics replay = new Topics(original.prefix() + ".replay");
    Path log = Path.of("target", "replay-process-" + original.prefix() + ".log");
    List<String> args = List.of(SplitFashionMnist.NAME, "--bootstrap", KafkaBrokerExtension.bootstrap(),
        "--topic-prefix", original.prefix(), "--checkpoint-dir", checkpoints.toString());
    StreamClProcess first = StreamClProcess.start(log, "replay", args);
    awaitTopic(clients, replay, first);
    try (VersionWatch versions = new VersionWatch(clients, replay)) {
      versions.awaitAtLeast(STREAM, NearestClassMeanModel.LEARNER, 1, Duration.ofMinutes(3), first::isAlive);
    }
    first.kill();
    assertEquals(0, StreamClProcess.start(log, "replay", args).awaitExit(5),
        "the resumed replay did not reproduce the run; see " + log.toAbsolutePath());

    String printed = Files.readString(log);
    assertTrue(printed.contains("Resuming streamcl-replay"), printed);
    FaultLedger ledger = FaultLedger.compare(clients, original, replay);
    ledger.report("replay killed with SIGKILL", 1);
    assertEquals(0, ledger.lost());
    assertEquals(0, ledger.duplicated());
    assertEquals(List.of(), ledger.differingModels());
  }

  /** The replay creates its topics after reading the original run; a watch can only start then. */
  private static void awaitTopic(ClientConfigs clients, Topics replay, StreamClProcess process) throws Exception {
    try (Admin admin = Admin.create(clients.admin())) {
      while (!admin.listTopics().names().get().contains(replay.modelUpdates().name())) {
        if (!process.isAlive()) {
          throw new AssertionError("replay ended before creating " + replay.modelUpdates().name());
        }
        Thread.onSpinWait();
      }
    }
  }
}
