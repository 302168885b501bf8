package dev.streamcl.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.cli.LocalFlink;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The evaluator replays the test topic through published versions: every NMC version it reports
 * must score, per task, what a plain-Java nearest mean over that version's published sums scores.
 */
@ExtendWith(KafkaBrokerExtension.class)
class EvaluatorTest {
  private static final int PER_TASK = 40;
  private static final int PUBLISH_EVERY = 20;

  @Test
  void perTaskAccuracyOfEveryEvaluatedVersionMatchesAPlainJavaReference() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("eval"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    SplitFashionMnist scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 3, PER_TASK);
    KafkaTopics.create(clients.admin(), 2, List.of(topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.eval().name()));
    new ScenarioPublisher(clients, topics, 2, 1000, false).publish(scenario, "eval");
    EncoderSpec encoder = EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu());
    LearnerJobConfig config = LearnerJobConfig.builder(encoder).microBatch(16, 50).publishEvery(PUBLISH_EVERY)
        .parallelism(2).checkpointIntervalMs(300).learners(NearestClassMeanModel.LEARNER, "er").build();
    LocalFlink.run(KafkaLearnerJob.create(clients, topics, config, true), config, "evaluator-test");

    List<EvalResult> results;
    try (Evaluator evaluator = new Evaluator(clients, topics, scenario.name(), encoder, 10)) {
      results = evaluator.evaluate("eval", 4);
    }

    int versions = 5 * PER_TASK / PUBLISH_EVERY;
    List<Long> evaluated = results.stream().filter(r -> r.getLearner().equals("nmc") && r.getTaskId() == null)
        .map(EvalResult::getModelVersion).toList();
    // Two versions per task: the last of each task is a row of the accuracy matrix.
    assertEquals(List.of(2L, 4L, 6L, 8L, (long) versions), evaluated,
        "every 4th version, the last version trained through each task, and the newest");
    assertTrue(new EvalResults(results, "eval").accuracyMatrix("nmc").isPresent(), "a complete accuracy matrix");
    assertTrue(results.stream().anyMatch(r -> r.getLearner().equals("er")), "every learner is evaluated");
    for (ModelUpdate snapshot : nmcSnapshots(clients, topics)) {
      if (!evaluated.contains(snapshot.getModelVersion())) {
        continue;
      }
      long[][] reference = referencePerTask(NearestClassMeanModel.fromUpdate(snapshot), scenario);
      for (EvalResult r : results) {
        if (r.getLearner().equals("nmc") && r.getModelVersion() == snapshot.getModelVersion()
            && r.getTaskId() != null) {
          assertEquals(reference[r.getTaskId()][1], r.getCount(), "test samples of task " + r.getTaskId());
          assertTrue(Math.abs(reference[r.getTaskId()][0] - r.getCorrect()) <= 1, "v" + r.getModelVersion() + " task "
              + r.getTaskId() + ": reference " + reference[r.getTaskId()][0] + " correct, evaluator " + r.getCorrect());
        }
        if (r.getLearner().equals("nmc") && r.getModelVersion() == snapshot.getModelVersion()
            && r.getTaskId() == null) {
          assertMacroAccuracyMatches(reference, r);
        }
      }
    }
    try (TopicReader reader = new TopicReader(clients, topics.eval().name())) {
      assertEquals(results.size(), reader.readAll().size(), "every result is on the eval topic");
    }
  }

  /** Per-class tallies of the whole test set as the reference counts them, and their mean recall. */
  private static void assertMacroAccuracyMatches(long[][] reference, EvalResult r) {
    assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), r.getClassLabels(), "every class of the test set, ascending");
    double recallSum = 0;
    for (int c = 0; c < 10; c++) {
      long[] expected = reference[SplitFashionMnist.TASKS + c];
      assertEquals(expected[1], r.getClassCount().get(c), "test samples of class " + c);
      assertTrue(Math.abs(expected[0] - r.getClassCorrect().get(c)) <= 1, "v" + r.getModelVersion() + " class " + c
          + ": reference " + expected[0] + " correct, evaluator " + r.getClassCorrect().get(c));
      recallSum += (double) expected[0] / expected[1];
    }
    assertEquals(recallSum / 10, r.getMacroAccuracy(), 1.0 / PER_TASK, "mean recall per class");
  }

  private static List<ModelUpdate> nmcSnapshots(ClientConfigs clients, Topics topics) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    try (TopicReader reader = new TopicReader(clients, topics.modelUpdates().name())) {
      return reader.readAll().stream().map(r -> codec.decode(r.value()))
          .filter(u -> u.getLearner().equals(NearestClassMeanModel.LEARNER)).toList();
    }
  }

  /**
   * Nearest class mean of L2-normalised pixel/255 vectors, in doubles: [task] → {correct, count}, then [TASKS +
   * label] → {correct, count} per class.
   */
  private static long[][] referencePerTask(NearestClassMeanModel model, SplitFashionMnist scenario) {
    long[][] perTask = new long[SplitFashionMnist.TASKS + 10][2];
    int d = model.dim();
    for (long s = 0; s < scenario.testSize(); s++) {
      var sample = scenario.testSample("t", s);
      byte[] pixels = ((dev.streamcl.events.RawImage) sample.getInput()).getPixels().array();
      double[] x = new double[d];
      double norm = 0;
      for (int k = 0; k < d; k++) {
        x[k] = (pixels[k] & 0xFF) / 255.0;
        norm += x[k] * x[k];
      }
      int best = -1;
      double bestDistance = Double.MAX_VALUE;
      for (int c = 0; c < model.labels().length; c++) {
        double distance = 0;
        for (int k = 0; k < d; k++) {
          double diff = x[k] / Math.sqrt(norm) - model.sums()[c * d + k] / model.counts()[c];
          distance += diff * diff;
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = model.labels()[c];
        }
      }
      int task = sample.getTaskId();
      perTask[task][0] += best == sample.getLabel() ? 1 : 0;
      perTask[task][1]++;
      perTask[SplitFashionMnist.TASKS + sample.getLabel()][0] += best == sample.getLabel() ? 1 : 0;
      perTask[SplitFashionMnist.TASKS + sample.getLabel()][1]++;
    }
    return perTask;
  }
}
