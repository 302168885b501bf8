package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A run's configuration survives the trip through model-update properties, so replays run the same job. */
class JobPropertiesTest {

  @Test
  void aRecordedConfigurationParsesBackToTheSameConfiguration() {
    ComputeDevice cpu = ComputeDevice.cpu();
    KvbHyperparameters kvb = new KvbHyperparameters(8, 32, 6, 2, 7, 0.25, 0.05, 1L << 60 | 3, 0.9, 0.2, 123);
    LearnerJobConfig config = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", cpu))
        .microBatch(48, 100).publishEvery(333).publishAtTaskEnd(false).labelLimit(7).maxPayloadBytes(4096)
        .parallelism(3).checkpointIntervalMs(1500).learners("fetril", "nmc", "kvb", "er-balanced")
        .settings(KeyValueBottleneckLearner.FAMILY, new KeyValueBottleneckLearner.Settings(kvb, 77, 4, "p.key-init"))
        .settings(ReplayHeadLearner.FAMILY, new ReplayHeadLearner.Settings(250, 16, 24, 0.07f, 2, -9L))
        .build();

    Map<String, String> recorded = JobProperties.of(config);

    assertTrue(recorded.keySet().stream().allMatch(k -> k.startsWith(JobProperties.PREFIX)), recorded.toString());
    assertEquals(config, JobProperties.parse(recorded, cpu, 3, 1500));
    LearnerJobConfig spread = config.toBuilder().streamParallelism(4).build();
    assertEquals(spread, JobProperties.parse(JobProperties.of(spread), cpu, 3, 1500),
        "a run spread over subtasks replays spread the same way (merges of SGD learners depend on it)");
    assertTrue(!recorded.containsKey(JobProperties.PREFIX + "streamParallelism"),
        "one subtask per stream records nothing new: runs before the setting existed replay as they did");
  }

  @Test
  void missingEntriesSayWhatToDo() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> JobProperties.parse(Map.of(), ComputeDevice.cpu(), 1, 1000));
    assertTrue(error.getMessage().contains("streamcl learn"), error.getMessage());
  }
}
