package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A restarted {@code streamcl learn} resumes only the job its checkpoint folder belongs to: a start
 * with other settings, on recreated input topics, or after the bounded run finished is refused with
 * one line that says to pass --fresh; --fresh learns from the start again.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ResumeRefusalTest {
  @Test
  void startsThatCannotResumeAreRefusedAndFreshStartsOver(@TempDir Path checkpoints) throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("resume"));
    publishSamples(clients, topics);
    List<String> learn = List.of("learn", "--bounded", "--bootstrap", KafkaBrokerExtension.bootstrap(),
        "--topic-prefix", topics.prefix(), "--checkpoint-dir", checkpoints.toString(), "--learners", "nmc",
        "--checkpoint-interval-ms", "300");
    assertEquals(0, run(new StringWriter(), with(learn, "--publish-every", "50")));
    List<Long> firstRun = RecordedRun.read(clients, topics.modelUpdates().name()).versions("s/nmc");

    StringWriter otherSettings = new StringWriter();
    assertEquals(1, run(otherSettings, with(learn, "--publish-every", "60")));
    assertOneLine(otherSettings, "job.publishEvery was 50, now 60", "--fresh");

    StringWriter finished = new StringWriter();
    assertEquals(1, run(finished, with(learn, "--publish-every", "50")));
    assertOneLine(finished, "already finished its bounded run", "--fresh");

    assertEquals(0, run(new StringWriter(), with(learn, "--publish-every", "50", "--fresh")));
    List<Long> both = RecordedRun.read(clients, topics.modelUpdates().name()).versions("s/nmc");
    assertEquals(2 * firstRun.size(), both.size(), "--fresh learns everything again");
    assertEquals(1L, both.get(firstRun.size()), "--fresh starts at version 1");

    recreateSamplesTopic(clients, topics);
    StringWriter recreated = new StringWriter();
    assertEquals(1, run(recreated, with(learn, "--publish-every", "50")));
    assertOneLine(recreated, "input." + topics.samples().name() + ".topicId was", "--fresh");
  }

  private static void publishSamples(ClientConfigs clients, Topics topics) {
    KafkaTopics.create(clients.admin(), 2, List.of(topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.alerts().name(), topics.runs().name()));
    new ScenarioPublisher(clients, topics, 2, 1000, false)
        .publish(new SplitFashionMnist(FashionMnist.atDefaultLocation(), 7, 40), "s");
  }

  private static void recreateSamplesTopic(ClientConfigs clients, Topics topics) throws Exception {
    try (Admin admin = Admin.create(clients.admin())) {
      admin.deleteTopics(List.of(topics.samples().name())).all().get(1, TimeUnit.MINUTES);
      while (admin.listTopics().names().get(1, TimeUnit.MINUTES).contains(topics.samples().name())) {
        Thread.onSpinWait();
      }
    }
    publishSamples(clients, topics);
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all;
  }

  private static void assertOneLine(StringWriter err, String... parts) {
    String printed = err.toString();
    assertEquals(1, printed.lines().count(), printed);
    for (String part : parts) {
      assertTrue(printed.contains(part), "'" + part + "' missing from: " + printed);
    }
  }

  private static int run(StringWriter err, List<String> args) {
    CommandLine cli = StreamCl.commandLine();
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args.toArray(String[]::new));
  }
}
