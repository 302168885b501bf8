package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.nmc.NearestClassMeanLearner;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every learner publishes the model trained through each task just before the first sample of the
 * next task, whatever micro-batches Flink cut, and marks it for the accuracy matrix; with the policy
 * off, or without task ids, task ids change nothing.
 */
class TaskBoundaryPublishingTest {
  private static final int DIM = 12;
  private static final String STREAM = "s";
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);
  private static final int PER_TASK = 230;
  private static final int TASKS = 4;
  /** Larger than the stream: only task boundaries and the end of input publish. */
  private static final int PUBLISH_EVERY = 10_000;
  /** Every 5th sample unlabelled, so each boundary (230, 460, 690) opens with an unlabelled sample. */
  private static final int UNLABELLED_EVERY = 5;

  private interface Learner extends Function<PublishPolicy, KeyedProcessFunction<String, FeatureBatch, Prediction>> {}

  static Stream<Arguments> learners() {
    Learner nmc = policy -> new LearnerFunction<>(new NearestClassMeanLearner(ENCODER), policy, ComputeDevice.cpu());
    Learner er = policy -> new LearnerFunction<>(
        new ReplayHeadLearner("er", new ReplayHeadLearner.Settings(100, 32, 32, 0.1f, 1, 7), ENCODER), policy,
        ComputeDevice.cpu());
    Learner kvb = policy -> new LearnerFunction<>(new KeyValueBottleneckLearner(
        new KeyValueBottleneckLearner.Settings(kvbConfig(100), 64, 3, null), ENCODER), policy, ComputeDevice.cpu());
    // Keys freeze only after the first boundary has arrived: the waiting samples are cut there.
    Learner kvbLateKeys = policy -> new LearnerFunction<>(new KeyValueBottleneckLearner(
        new KeyValueBottleneckLearner.Settings(kvbConfig(300), 64, 3, null), ENCODER), policy, ComputeDevice.cpu());
    return Stream.of(Arguments.of("nmc", nmc), Arguments.of("er", er), Arguments.of("kvb", kvb),
        Arguments.of("kvb, keys after task 1 began", kvbLateKeys));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("learners")
  void publishesTheModelTrainedThroughEachTaskAtItsBoundary(String name, Learner learner) throws Exception {
    List<GeneratedFeatures.Row> rows = rows();
    Run run = run(learner.apply(PublishPolicy.every(PUBLISH_EVERY)), GeneratedFeatures.batches(STREAM, DIM, rows,
        37, 5, 101, 64));

    assertEquals(TASKS, run.updates.size(), name + ": one version per task (3 boundaries + end of input)");
    for (int task = 0; task < TASKS; task++) {
      ModelUpdate version = run.updates.get(task);
      assertEquals(Integer.toString(task), version.getProperties().get(PublishProgress.TRAINED_THROUGH_TASK));
      assertEquals(task < TASKS - 1 ? "task-end" : "input-end", version.getProperties().get(PublishProgress.TRIGGER));
      assertEquals((long) PER_TASK * (task + 1), version.getSamplesSeen(), name + ": samples learned by version "
          + version.getModelVersion());
    }
    for (Prediction prediction : run.predictions) {
      long task = prediction.getSequence() / PER_TASK;
      assertEquals(task, prediction.getModelVersion(), name + ": the version that predicted sample "
          + prediction.getSequence() + " is the one trained through the task before it");
    }

    Run otherCut = run(learner.apply(PublishPolicy.every(PUBLISH_EVERY)), GeneratedFeatures.batches(STREAM, DIM, rows,
        3, 250, 17));
    assertEquals(encoded(run.updates), encoded(otherCut.updates),
        name + ": the same versions, byte for byte, whatever the micro-batches");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("learners")
  void withThePolicyOffTaskIdsChangeNothing(String name, Learner learner) throws Exception {
    List<GeneratedFeatures.Row> rows = rows();
    Run off = run(learner.apply(new PublishPolicy(PUBLISH_EVERY, false)), GeneratedFeatures.batches(STREAM, DIM,
        rows, 37, 5, 101, 64));
    Run withoutTaskIds = run(learner.apply(PublishPolicy.every(PUBLISH_EVERY)), withoutTaskIds(
        GeneratedFeatures.batches(STREAM, DIM, rows, 37, 5, 101, 64)));

    assertEquals(1, off.updates.size(), name + ": only the end of input publishes");
    assertEquals("input-end", off.updates.get(0).getProperties().get(PublishProgress.TRIGGER));
    assertEquals(1, withoutTaskIds.updates.size(), name + ": no task ids, no boundaries");
    assertFalse(withoutTaskIds.updates.get(0).getProperties().containsKey(PublishProgress.TRAINED_THROUGH_TASK));
    assertEquals(off.updates.get(0).getTensors(), withoutTaskIds.updates.get(0).getTensors(),
        name + ": the same model as a stream without task ids");
  }

  private static List<GeneratedFeatures.Row> rows() {
    return GeneratedFeatures.stream(11, DIM, PER_TASK * TASKS, PER_TASK, UNLABELLED_EVERY, 0.3f);
  }

  private static KvbHyperparameters kvbConfig(int keyInitSamples) {
    return new KvbHyperparameters(4, 16, 4, 1, 2 * TASKS, 0.3, 0.1, 3L, 0.95, 0.1, keyInitSamples);
  }

  private static List<FeatureBatch> withoutTaskIds(List<FeatureBatch> batches) {
    batches.forEach(batch -> Arrays.fill(batch.taskIds, -1));
    return batches;
  }

  private record Run(List<ModelUpdate> updates, List<Prediction> predictions) {}

  private static Run run(KeyedProcessFunction<String, FeatureBatch, Prediction> function, List<FeatureBatch> batches)
      throws Exception {
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction>(
        new KeyedProcessOperator<>(function), batch -> batch.streamId, Types.STRING)) {
      harness.open();
      for (FeatureBatch batch : batches) {
        harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
      harness.processWatermark(Long.MAX_VALUE);
      var side = harness.getSideOutput(OutputTags.MODEL_UPDATES);
      assertTrue(side != null && !side.isEmpty(), "no model update was published");
      List<ModelUpdate> updates = new ArrayList<>();
      side.stream().map(StreamRecord::getValue).filter(u -> u.getChunkIndex() == 0).forEach(updates::add);
      return new Run(updates, harness.extractOutputValues());
    }
  }

  private static List<String> encoded(List<ModelUpdate> updates) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    return updates.stream().map(u -> Arrays.toString(codec.encode(u))).toList();
  }
}
