package dev.streamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** One end-to-end bench run as `streamcl bench` makes it: a `streamcl learn` JVM of its own on the real broker. */
@ExtendWith(KafkaBrokerExtension.class)
class EndToEndBenchTest {
  @Test
  void aLearnJobInItsOwnJvmReportsItsSteadyRateStartUpMemoryAndCpu(@TempDir Path work) throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    SplitFashionMnist scenario = new SplitFashionMnist(new FashionMnist(FashionMnist.DEFAULT_DIR), 42, 300);
    Topics input = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("bench-input"));
    new ScenarioPublisher(clients, input, Bench.PARTITIONS, 500, false).publish(scenario, Bench.STREAM);
    int publishEvery = 100;
    String run = KafkaBrokerExtension.uniqueTopicPrefix("nmc");

    EndToEndBench.Result result = EndToEndBench.run(run, List.of("nmc"), clients, input.samples().name(),
        scenario.trainingSize(), List.of("--publish-every", Integer.toString(publishEvery)), work);

    assertEquals(1, result.learners().size());
    EndToEndBench.LearnerRate nmc = result.learners().get(0);
    assertEquals("nmc", nmc.learner());
    assertTrue(nmc.versions() >= scenario.trainingSize() / publishEvery,
        "a version per " + publishEvery + " labelled samples at least, got " + nmc.versions());
    assertTrue(result.samplesPerSecond() > 0 && Double.isFinite(result.samplesPerSecond()), result.toString());
    assertTrue(result.startupSeconds() > 0 && result.startupSeconds() < result.wallSeconds(), result.toString());
    assertTrue(result.peakRssBytes() > 64L << 20, "a JVM running Flink holds more than 64 MiB: " + result);
    assertTrue(result.cpuSeconds() > 0, result.toString());
  }
}
