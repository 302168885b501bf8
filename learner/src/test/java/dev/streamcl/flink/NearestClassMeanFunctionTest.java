package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.LabelScore;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.flink.GeneratedFeatures.Row;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.nmc.NearestClassMeanLearner;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link NearestClassMeanFunction} in Flink's keyed operator test harness, checked against
 * {@link NmcReference}, a one-sample-at-a-time double-precision model of test-then-train NMC: the
 * predictions, the published snapshots and their timing, restore from a snapshot, and independent keys.
 */
class NearestClassMeanFunctionTest {
  private static final int DIM = 8;
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);
  /** Kernel scores are float32 (−squared distance of unit vectors, in [−4, 0]); the reference is double. */
  private static final double SCORE_TOLERANCE = 1e-4;
  /** Published class sums are float32 sums of float32-normalised rows; the reference sums doubles. */
  private static final double SUM_TOLERANCE = 1e-5;

  // ---------------------------------------------------------------- (a) test-then-train

  @ParameterizedTest(name = "batch sizes {0}")
  @ValueSource(strings = {"1", "3,7,2,5", "4,1,9", "60"})
  void everyPredictionIsTheNearestMeanOfAllEarlierSamples(String batchSizes) throws Exception {
    List<Row> rows = GeneratedFeatures.stream(7, DIM, 60, 20, 6, 0.6f);
    List<FeatureBatch> batches = GeneratedFeatures.batches("s", DIM, rows, sizes(batchSizes));
    NmcReference reference = new NmcReference("s", DIM, 5).feed(batches).endOfInput();
    assertReferenceIsInformative(reference);

    try (Learner learner = new Learner(5)) {
      learner.feed(batches);
      learner.endOfInput();

      List<Prediction> predictions = learner.predictions();
      assertEquals(rows.size(), predictions.size(), "one prediction per sample, labelled or not");
      Prediction first = predictions.get(0);
      assertNull(first.getPredictedLabel(), "nothing is known before the first sample");
      assertTrue(first.getTopScores().isEmpty());
      assertEquals(0, first.getModelVersion());
      assertAnswers(reference.answers, predictions);
      assertSnapshots(reference.snapshots, learner.updates());
    }
  }

  @Test
  void unlabelledSamplesArePredictedButNotLearned() throws Exception {
    List<Row> rows = GeneratedFeatures.stream(11, DIM, 30, 30, 2, 0.4f); // every other sample unlabelled
    List<FeatureBatch> batches = GeneratedFeatures.batches("s", DIM, rows, 4);
    NmcReference reference = new NmcReference("s", DIM, 1000).feed(batches).endOfInput();

    try (Learner learner = new Learner(1000)) {
      learner.feed(batches);
      learner.endOfInput();

      assertAnswers(reference.answers, learner.predictions());
      ModelUpdate last = single(learner.updates());
      assertEquals(rows.size(), last.getSamplesSeen());
      assertEquals(GeneratedFeatures.labelledCount(rows), last.getLabelledSeen());
      assertEquals(GeneratedFeatures.labelledCount(rows),
          Arrays.stream(NearestClassMeanModel.fromUpdate(last).counts()).sum(),
          "class counts hold labelled samples only");
      assertSnapshots(reference.snapshots, learner.updates());
    }
  }

  // ---------------------------------------------------------------- (b) publish policy

  @Test
  void snapshotAfterEveryNLabelledSamplesAndAFinalOneAtEndOfInput() throws Exception {
    int publishEvery = 4;
    List<Row> rows = GeneratedFeatures.stream(3, DIM, 33, 33, 5, 0.5f); // one task: no boundary versions
    long labelled = GeneratedFeatures.labelledCount(rows);
    assertNotEquals(0, labelled % publishEvery, "test data must end between two periodic snapshots");
    List<FeatureBatch> batches = GeneratedFeatures.batches("s", DIM, rows, 3, 5, 2);

    try (Learner learner = new Learner(publishEvery)) {
      learner.feed(batches);
      List<ModelUpdate> periodic = learner.updates();
      assertEquals(labelled / publishEvery, periodic.size(), "one snapshot per " + publishEvery + " labelled samples");
      assertVersionsAreGaplessFromOne(periodic);
      for (ModelUpdate update : periodic) {
        assertEquals(update.getModelVersion() * publishEvery, update.getLabelledSeen(),
            "snapshot v" + update.getModelVersion() + " is published right after its labelled sample");
      }

      learner.harness.processWatermark(GeneratedFeatures.BASE_TIME + 1_000_000);
      assertEquals(periodic.size(), learner.updates().size(), "an ordinary watermark is not the end of input");

      learner.endOfInput();
      List<ModelUpdate> all = learner.updates();
      assertEquals(periodic.size() + 1, all.size(), "one final snapshot for the labelled samples since the last");
      assertVersionsAreGaplessFromOne(all);
      ModelUpdate last = all.get(all.size() - 1);
      assertEquals(labelled, last.getLabelledSeen());
      assertEquals(rows.size(), last.getSamplesSeen());
      assertSnapshots(new NmcReference("s", DIM, publishEvery).feed(batches).endOfInput().snapshots, all);
    }
  }

  @Test
  void noFinalSnapshotWhenNothingWasLearnedSinceTheLast() throws Exception {
    int publishEvery = 4;
    List<Row> rows = GeneratedFeatures.stream(5, DIM, 12, 12, 0, 0.5f); // all labelled: 12 = 3 x 4
    List<FeatureBatch> batches = GeneratedFeatures.batches("s", DIM, rows, 5);

    try (Learner learner = new Learner(publishEvery)) {
      learner.feed(batches);
      assertEquals(3, learner.updates().size());
      learner.endOfInput();
      assertEquals(3, learner.updates().size(), "the last snapshot already holds everything learned");
      assertVersionsAreGaplessFromOne(learner.updates());
    }
  }

  @Test
  void endOfInputWithoutAnySamplePublishesNothing() throws Exception {
    try (Learner learner = new Learner(4)) {
      learner.endOfInput();
      assertTrue(learner.updates().isEmpty());
      assertTrue(learner.predictions().isEmpty());
    }
  }

  // ---------------------------------------------------------------- (c) restore

  @ParameterizedTest(name = "restored after {0} batches")
  @ValueSource(ints = {5, 7, 13})
  void aRestoredLearnerContinuesExactlyLikeAnUninterruptedOne(int batchesBeforeSnapshot) throws Exception {
    int publishEvery = 5;
    // 54 samples: the last task (36..53) ends between two periodic snapshots, so a final one follows.
    List<Row> rows = GeneratedFeatures.stream(17, DIM, 54, 18, 7, 0.6f);
    List<FeatureBatch> batches = GeneratedFeatures.batches("s", DIM, rows, 3, 7, 2, 5); // 13 batches
    assertEquals(13, batches.size());
    List<FeatureBatch> before = batches.subList(0, batchesBeforeSnapshot);
    List<FeatureBatch> after = batches.subList(batchesBeforeSnapshot, batches.size());

    List<Prediction> uninterruptedPredictions;
    List<ModelUpdate> uninterruptedUpdates;
    try (Learner uninterrupted = new Learner(publishEvery)) {
      uninterrupted.feed(batches);
      uninterrupted.endOfInput();
      uninterruptedPredictions = uninterrupted.predictions();
      uninterruptedUpdates = uninterrupted.updates();
    }

    OperatorSubtaskState checkpoint;
    List<Prediction> predictionsBefore;
    List<ModelUpdate> updatesBefore;
    try (Learner first = new Learner(publishEvery)) {
      first.feed(before);
      checkpoint = first.harness.snapshot(1L, GeneratedFeatures.BASE_TIME);
      predictionsBefore = first.predictions();
      updatesBefore = first.updates();
    }

    try (Learner restored = new Learner(publishEvery, checkpoint)) {
      restored.feed(after);
      restored.endOfInput();

      assertEquals(uninterruptedPredictions.subList(predictionsBefore.size(), uninterruptedPredictions.size()),
          restored.predictions(), "predictions after the restore");
      assertEquals(uninterruptedUpdates.subList(updatesBefore.size(), uninterruptedUpdates.size()),
          restored.updates(), "model updates after the restore (versions continue, same content)");
      assertTrue(!restored.updates().isEmpty(), "the restored learner publishes at least the final snapshot");
      ModelUpdate lastRestored = restored.updates().get(restored.updates().size() - 1);
      ModelUpdate lastUninterrupted = uninterruptedUpdates.get(uninterruptedUpdates.size() - 1);
      assertArrayEquals(NearestClassMeanModel.fromUpdate(lastUninterrupted).sums(),
          NearestClassMeanModel.fromUpdate(lastRestored).sums(), "final class sums");
      assertArrayEquals(NearestClassMeanModel.fromUpdate(lastUninterrupted).counts(),
          NearestClassMeanModel.fromUpdate(lastRestored).counts(), "final class counts");

      // And both halves together are what the reference expects of one run.
      NmcReference reference = new NmcReference("s", DIM, publishEvery).feed(batches).endOfInput();
      assertAnswers(reference.answers, concat(predictionsBefore, restored.predictions()));
      assertSnapshots(reference.snapshots, concat(updatesBefore, restored.updates()));
    }
  }

  // ---------------------------------------------------------------- (d) independent keys

  @Test
  void twoStreamsLearnIndependently() throws Exception {
    int publishEvery = 3;
    // Same labels in both streams but different class centres, so any mixing changes the answers.
    List<FeatureBatch> a =
        GeneratedFeatures.batches("a", DIM, GeneratedFeatures.stream(21, DIM, 26, 13, 4, 0.5f), 4, 2);
    List<FeatureBatch> b = GeneratedFeatures.batches("b", DIM, GeneratedFeatures.stream(22, DIM, 19, 10, 5, 0.5f), 3);
    NmcReference referenceA = new NmcReference("a", DIM, publishEvery).feed(a).endOfInput();
    NmcReference referenceB = new NmcReference("b", DIM, publishEvery).feed(b).endOfInput();

    try (Learner learner = new Learner(publishEvery)) {
      learner.feed(interleave(a, b));
      learner.endOfInput();

      List<Prediction> ofB = ofStream(learner.predictions(), "b", Prediction::getStreamId);
      assertNull(ofB.get(0).getPredictedLabel(), "stream b's first sample knows nothing of stream a");
      assertAnswers(referenceA.answers, ofStream(learner.predictions(), "a", Prediction::getStreamId));
      assertAnswers(referenceB.answers, ofB);
      List<ModelUpdate> updatesA = ofStream(learner.updates(), "a", ModelUpdate::getStreamId);
      List<ModelUpdate> updatesB = ofStream(learner.updates(), "b", ModelUpdate::getStreamId);
      assertEquals(learner.updates().size(), updatesA.size() + updatesB.size());
      assertVersionsAreGaplessFromOne(updatesA);
      assertVersionsAreGaplessFromOne(updatesB);
      assertSnapshots(referenceA.snapshots, updatesA);
      assertSnapshots(referenceB.snapshots, updatesB);
    }
  }

  // ---------------------------------------------------------------- harness

  /** The function in a keyed harness keyed by stream id; collects predictions and model updates. */
  private static final class Learner implements AutoCloseable {
    final KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness;

    Learner(int publishEvery) throws Exception {
      this(publishEvery, null);
    }

    Learner(int publishEvery, OperatorSubtaskState restoreFrom) throws Exception {
      harness = new KeyedOneInputStreamOperatorTestHarness<>(
          new KeyedProcessOperator<>(new LearnerFunction<>(new NearestClassMeanLearner(ENCODER),
              PublishPolicy.every(publishEvery), ComputeDevice.cpu())),
          batch -> batch.streamId, Types.STRING);
      if (restoreFrom != null) {
        harness.initializeState(restoreFrom);
      }
      harness.open();
    }

    void feed(List<FeatureBatch> batches) throws Exception {
      for (FeatureBatch batch : batches) {
        harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
    }

    void endOfInput() throws Exception {
      harness.processWatermark(Long.MAX_VALUE);
    }

    List<Prediction> predictions() {
      return harness.extractOutputValues();
    }

    List<ModelUpdate> updates() {
      var side = harness.getSideOutput(OutputTags.MODEL_UPDATES);
      return side == null ? List.of() : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    @Override
    public void close() throws Exception {
      harness.close();
    }
  }

  // ---------------------------------------------------------------- assertions

  private static void assertAnswers(List<NmcReference.Answer> expected, List<Prediction> actual) {
    assertEquals(expected.size(), actual.size(), "number of predictions");
    for (int i = 0; i < expected.size(); i++) {
      assertAnswer(expected.get(i), actual.get(i));
    }
  }

  /**
   * The emitted top-k must be the reference's: same scores rank by rank, and each emitted label must
   * have the score the reference gives that label (so labels differ only where scores tie).
   */
  private static void assertAnswer(NmcReference.Answer expected, Prediction actual) {
    String where = "stream " + expected.streamId() + " sample " + expected.sequence() + ": ";
    assertEquals(expected.streamId(), actual.getStreamId(), where + "stream");
    assertEquals(expected.sequence(), actual.getSequence(), where + "sequence");
    assertEquals(PredictionSource.PREQUENTIAL, actual.getSource(), where + "source");
    assertEquals(NearestClassMeanModel.LEARNER, actual.getLearner(), where + "learner");
    assertEquals(expected.modelVersion(), actual.getModelVersion(), where + "snapshots published before it");
    assertEquals(expected.trueLabel(), actual.getTrueLabel(), where + "true label");
    assertEquals(expected.taskId(), actual.getTaskId(), where + "task");
    assertEquals(Instant.ofEpochMilli(expected.eventTime()), actual.getEventTime(), where + "event time");

    List<LabelScore> top = actual.getTopScores();
    assertEquals(expected.topLabels().size(), top.size(), where + "top-k size " + top);
    if (top.isEmpty()) {
      assertNull(actual.getPredictedLabel(), where + "no class known, so no prediction");
      return;
    }
    assertEquals(top.get(0).getLabel(), actual.getPredictedLabel(), where + "predicted label is the best of the top-k");
    assertEquals(top.size(), top.stream().map(LabelScore::getLabel).distinct().count(), where + "distinct labels");
    for (int k = 0; k < top.size(); k++) {
      LabelScore emitted = top.get(k);
      assertEquals(expected.topScores().get(k), emitted.getScore(), SCORE_TOLERANCE, where + "score of rank " + k);
      Double referenceScore = expected.scoreOf().get(emitted.getLabel());
      assertNotNull(referenceScore, where + "label " + emitted.getLabel() + " was not learned before this sample");
      assertEquals(referenceScore, emitted.getScore(), SCORE_TOLERANCE,
          where + "rank " + k + " is label " + emitted.getLabel() + ", expected " + expected.topLabels());
    }
  }

  private static void assertSnapshots(List<NmcReference.Snapshot> expected, List<ModelUpdate> actual) {
    assertEquals(expected.stream().map(NmcReference.Snapshot::version).collect(Collectors.toList()),
        actual.stream().map(ModelUpdate::getModelVersion).collect(Collectors.toList()), "published versions");
    for (int i = 0; i < expected.size(); i++) {
      assertSnapshot(expected.get(i), actual.get(i));
    }
  }

  private static void assertSnapshot(NmcReference.Snapshot expected, ModelUpdate actual) {
    String where = "stream " + expected.streamId() + " v" + expected.version() + ": ";
    assertEquals(expected.streamId(), actual.getStreamId(), where + "stream");
    assertEquals(NearestClassMeanModel.LEARNER, actual.getLearner(), where + "learner");
    assertEquals(UpdateKind.SNAPSHOT, actual.getKind(), where + "kind");
    assertNull(actual.getBaseVersion(), where + "a snapshot has no base");
    assertEquals(0, actual.getChunkIndex(), where + "chunk");
    assertEquals(1, actual.getChunkCount(), where + "a small model is one message");
    assertEquals(ENCODER, actual.getEncoderIdentity(), where + "encoder identity");
    assertEquals(expected.samplesSeen(), actual.getSamplesSeen(), where + "samples seen");
    assertEquals(expected.labelledSeen(), actual.getLabelledSeen(), where + "labelled seen");
    assertEquals(Instant.ofEpochMilli(expected.createdAt()), actual.getCreatedAt(),
        where + "newest learned event time");
    List<SourceOffset> offsets = new ArrayList<>();
    for (Map.Entry<Integer, Long> e : expected.offsets().entrySet()) {
      offsets.add(new SourceOffset(expected.topic(), e.getKey(), e.getValue()));
    }
    assertEquals(offsets, actual.getSourceOffsets(), where + "source offsets");

    NearestClassMeanModel model = NearestClassMeanModel.fromUpdate(actual);
    assertArrayEquals(expected.labels(), model.labels(), where + "classes sorted by label");
    assertArrayEquals(expected.counts(), model.counts(), where + "class counts");
    float[] sums = model.sums();
    for (int c = 0; c < expected.labels().length; c++) {
      for (int k = 0; k < DIM; k++) {
        assertEquals(expected.sums()[c][k], sums[c * DIM + k], SUM_TOLERANCE,
            where + "sum of class " + c + " [" + k + "]");
      }
    }
  }

  private static void assertVersionsAreGaplessFromOne(List<ModelUpdate> updates) {
    assertEquals(LongStream.rangeClosed(1, updates.size()).boxed().collect(Collectors.toList()),
        updates.stream().map(ModelUpdate::getModelVersion).collect(Collectors.toList()), "versions 1, 2, 3, ...");
  }

  /**
   * Guards against vacuous data: the reference must get some predictions right and some wrong,
   * with several versions.
   */
  private static void assertReferenceIsInformative(NmcReference reference) {
    long right = reference.answers.stream()
        .filter(a -> a.trueLabel() != null && !a.topLabels().isEmpty() && a.topLabels().get(0).equals(a.trueLabel()))
        .count();
    long wrong = reference.answers.stream()
        .filter(a -> a.trueLabel() != null && !a.topLabels().isEmpty() && !a.topLabels().get(0).equals(a.trueLabel()))
        .count();
    assertTrue(right > 0 && wrong > 0, "test data should give right and wrong predictions, got " + right + "/" + wrong);
    assertTrue(reference.snapshots.size() >= 3, "test data should publish several versions");
    assertTrue(new HashSet<>(reference.answers.stream().map(NmcReference.Answer::modelVersion)
        .collect(Collectors.toList())).size() >= 3, "predictions should span several versions");
  }

  // ---------------------------------------------------------------- small helpers

  private static int[] sizes(String csv) {
    return Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
  }

  private static List<FeatureBatch> interleave(List<FeatureBatch> a, List<FeatureBatch> b) {
    List<FeatureBatch> mixed = new ArrayList<>();
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      if (i < a.size()) {
        mixed.add(a.get(i));
      }
      if (i < b.size()) {
        mixed.add(b.get(i));
      }
    }
    return mixed;
  }

  private static <T> List<T> ofStream(List<T> events, String streamId, java.util.function.Function<T, String> stream) {
    return events.stream().filter(e -> streamId.equals(stream.apply(e))).collect(Collectors.toList());
  }

  private static <T> List<T> concat(List<T> first, List<T> second) {
    List<T> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static <T> T single(List<T> items) {
    assertEquals(1, items.size(), "exactly one: " + items);
    return items.get(0);
  }
}
