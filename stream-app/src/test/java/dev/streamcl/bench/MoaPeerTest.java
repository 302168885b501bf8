package dev.streamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.yahoo.labs.samoa.instances.Instance;
import dev.streamcl.bench.MoaPeer.Learner;
import dev.streamcl.bench.MoaPeer.PeerResult;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.ByteBuffer;
import java.util.List;
import moa.classifiers.Classifier;
import moa.core.InstanceExample;
import moa.evaluation.BasicClassificationPerformanceEvaluator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** MOA's peers on the first 2,000 training samples of the default stream (all of task 0) and 500 test samples. */
class MoaPeerTest {
  private static final int TRAINING = 2_000;
  private static final int TEST = 500;
  private static final String STREAM = SplitFashionMnist.NAME;

  private static SplitFashionMnist scenario;
  private static MoaPeer peer;

  @BeforeAll
  static void buildInstances() {
    scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 42, 0);
    peer = MoaPeer.on(scenario, STREAM, TRAINING, TEST);
  }

  @Test
  void instancesAreTheScenarioSamplesInStreamOrderScaledToUnitRange() {
    List<Instance> training = peer.instances().training();
    assertEquals(TRAINING, training.size());
    for (int seq = 0; seq < TRAINING; seq++) {
      assertSameSample(scenario.trainingSample(STREAM, seq), training.get(seq), "training " + seq);
    }
    List<Instance> test = peer.instances().test();
    assertEquals(TEST, test.size());
    for (int seq = 0; seq < TEST; seq++) {
      assertSameSample(scenario.testSample(STREAM, seq), test.get(seq), "test " + seq);
    }
  }

  @ParameterizedTest
  @EnumSource(Learner.class)
  void accuraciesMatchMoasOwnEvaluatorOnTheSameInstances(Learner learner) {
    PeerResult result = peer.run(learner);

    Classifier reference = learner.create(peer.instances().header());
    BasicClassificationPerformanceEvaluator prequential = new BasicClassificationPerformanceEvaluator();
    for (Instance instance : peer.instances().training()) {
      prequential.addResult(new InstanceExample(instance), reference.getVotesForInstance(instance));
      reference.trainOnInstance(instance);
    }
    BasicClassificationPerformanceEvaluator test = new BasicClassificationPerformanceEvaluator();
    for (Instance instance : peer.instances().test()) {
      test.addResult(new InstanceExample(instance), reference.getVotesForInstance(instance));
    }

    assertEquals(learner.peerName(), result.name());
    assertEquals(TRAINING, result.instances());
    assertEquals(TEST, result.testInstances());
    assertEquals(prequential.getFractionCorrectlyClassified(), result.prequentialAccuracy(), 1e-12);
    assertEquals(test.getFractionCorrectlyClassified(), result.finalTestAccuracy(), 1e-12);
    assertTrue(result.instancesPerSecond() > 0, "instances/s " + result.instancesPerSecond());
  }

  @ParameterizedTest
  @EnumSource(Learner.class)
  void aModelThatSawTaskZeroIsRightOnlyOnTaskZeroClasses(Learner learner) {
    PeerResult result = peer.run(learner);
    // Training samples 0..1,999 are all task 0 (classes 0 and 1), so no test sample of another class can be right.
    long taskZeroTests = peer.instances().test().stream().filter(i -> i.classValue() < 2).count();
    assertTrue(result.finalTestAccuracy() <= (double) taskZeroTests / TEST,
        "final test accuracy " + result.finalTestAccuracy() + " above the task-0 share " + taskZeroTests + "/" + TEST);
    assertTrue(result.prequentialAccuracy() >= 0 && result.prequentialAccuracy() <= 1);
  }

  @Test
  void aWarmPassLeavesTheTimedPassAsAFreshModelRunsIt() {
    List<PeerResult> cold = peer.runAll(false);
    List<PeerResult> warm = peer.runAll(true);

    assertEquals(Learner.values().length, warm.size());
    for (int i = 0; i < cold.size(); i++) {
      assertEquals(cold.get(i).name(), warm.get(i).name());
      assertEquals(cold.get(i).instances(), warm.get(i).instances());
      assertEquals(cold.get(i).prequentialAccuracy(), warm.get(i).prequentialAccuracy(), 0);
      assertEquals(cold.get(i).finalTestAccuracy(), warm.get(i).finalTestAccuracy(), 0);
    }
  }

  @Test
  void naiveBayesBeatsChanceOnTheFirstTask() {
    PeerResult result = peer.run(Learner.NAIVE_BAYES);
    // Task 0 has two classes (T-shirt/top, trouser): chance is 0.5.
    assertTrue(result.prequentialAccuracy() > 0.5, "prequential accuracy " + result.prequentialAccuracy());
    assertTrue(result.finalTestAccuracy() > 0, "final test accuracy " + result.finalTestAccuracy());
  }

  /** Reads the raw image bytes itself (no SampleInputs, no encoder): feature i is pixel i / 255 as a float. */
  private static void assertSameSample(Sample sample, Instance instance, String what) {
    ByteBuffer pixels = ((RawImage) sample.getInput()).getPixels().duplicate();
    assertEquals(FashionMnist.PIXELS + 1, instance.numAttributes(), what);
    for (int i = 0; i < FashionMnist.PIXELS; i++) {
      float expected = (pixels.get() & 0xFF) / 255f;
      if (instance.value(i) != expected) {
        assertEquals(expected, instance.value(i), 0, what + " feature " + i);
      }
    }
    assertEquals(sample.getLabel(), (int) instance.classValue(), what + " label");
  }
}
