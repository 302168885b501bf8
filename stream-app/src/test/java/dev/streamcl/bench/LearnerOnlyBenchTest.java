package dev.streamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.SplitFashionMnist;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The learner-only bench on 300 samples per task (1,500 training samples, all 10,000 test images). */
class LearnerOnlyBenchTest {
  private static final String STREAM = SplitFashionMnist.NAME;

  private static LearnerJobConfig config;
  private static EncodedStream training;
  private static EncodedStream test;

  @BeforeAll
  static void encode() {
    SplitFashionMnist scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 42, 300);
    config = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28")).build();
    training = EncodedStream.training(scenario, STREAM, config.encoder(), config.labelLimit());
    test = EncodedStream.test(scenario, STREAM, config.encoder(), config.labelLimit());
  }

  @ParameterizedTest
  @ValueSource(strings = {"nmc", "er"})
  void theTimedPassesAfterAWarmOneLearnWhatOneFreshPassLearns(String learner) {
    LearnerOnlyBench.Result cold = LearnerOnlyBench.run(learner, training, test, config, false);
    LearnerOnlyBench.Result steady = LearnerOnlyBench.run(learner, training, test, config, true);

    assertEquals(1_500, cold.samples());
    assertEquals(cold.samples(), steady.samples());
    assertEquals(cold.prequentialAccuracy(), steady.prequentialAccuracy(), 0);
    assertEquals(cold.finalTestAccuracy(), steady.finalTestAccuracy(), 0);
    assertEquals(cold.stateBytes(), steady.stateBytes());
    assertTrue(steady.samplesPerSecond() > 0, "samples/s " + steady.samplesPerSecond());
  }
}
