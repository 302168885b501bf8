package dev.streamcl.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.streamcl.dashboard.DashboardState.AlertRow;
import dev.streamcl.dashboard.DashboardState.Curve;
import dev.streamcl.dashboard.DashboardState.DeadLetterGroup;
import dev.streamcl.dashboard.DashboardState.Matrix;
import dev.streamcl.dashboard.DashboardState.MatrixRow;
import dev.streamcl.dashboard.DashboardState.ModelRow;
import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.Drift;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.kafka.Topics;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The dashboard's bookkeeping, fed events directly, against figures computed here. */
class PipelineStateTest {
  private static final double EPS = 1e-12;
  private static final Topics TOPICS = new Topics("dash");
  private static final String STREAM = "s";

  private final PipelineState state = new PipelineState(TOPICS, 4, 2);

  @Test
  void newestVersionCountsEachVersionOnceAndAgesFromItsPublication() {
    state.modelUpdate(update("nmc", 1, 0, 2, 9), 1_000);
    state.modelUpdate(update("nmc", 1, 1, 2, 9), 1_100); // the second chunk of version 1
    state.modelUpdate(update("nmc", 2, 0, 1, 19), 5_000);
    state.modelUpdate(update("nmc", 1, 0, 2, 9), 6_000); // redelivered: older than the newest

    ModelRow nmc = row(state.snapshot(8_000), "nmc");
    assertEquals(2, nmc.version());
    assertEquals(2, nmc.versions());
    assertEquals(5_000L, nmc.publishedAt());
    assertEquals(3_000L, nmc.ageMs());
    assertEquals(Instant.parse("2024-01-01T00:00:19Z").toEpochMilli(), nmc.createdAt());
    assertEquals(20, nmc.samplesSeen());
  }

  @Test
  void prequentialAccuracyOverTheWindowAndItsCurve() {
    boolean[] outcomes = {true, false, true, true, false, true, true};
    for (int i = 0; i < outcomes.length; i++) {
      state.prediction(prediction("nmc", i, outcomes[i] ? 3 : 4, 3));
    }
    state.prediction(prediction("nmc", 7, 3, null)); // unlabelled: counted as learned, not scored
    state.prediction(Prediction.newBuilder(prediction("nmc", 8, 4, 3)).setSource(PredictionSource.SERVING).build());

    DashboardState snapshot = state.snapshot(0);
    ModelRow nmc = row(snapshot, "nmc");
    assertEquals(0, nmc.version(), "no model published yet");
    assertNull(nmc.ageMs());
    assertEquals(outcomes.length, nmc.labelled());
    assertEquals(windowAccuracy(outcomes, outcomes.length, 4), nmc.prequentialAccuracy(), EPS);
    Curve curve = snapshot.prequential().get(0);
    assertEquals(List.of(2L, 4L, 6L), curve.x(), "a point every 2 labelled predictions");
    for (int p = 0; p < curve.x().size(); p++) {
      int labelled = curve.x().get(p).intValue();
      assertEquals(windowAccuracy(outcomes, labelled, 4), curve.y().get(p), EPS, "at " + labelled);
    }
  }

  @Test
  void aLongCurveKeepsEveryOtherPointAndDoublesItsStep() {
    PrequentialCurve curve = new PrequentialCurve(10, 1, 4);
    for (int i = 0; i < 10; i++) {
      curve.add(true);
    }
    assertEquals(List.of(4L, 8L), curve.points().stream().map(PrequentialCurve.Point::labelled).toList());
    assertEquals(4, curve.step());
  }

  @Test
  void learnerLagCountsTheSamplesTopicBeyondTheNewestVersionsOffsets() {
    ModelUpdate update = ModelUpdate.newBuilder(update("kvb", 3, 0, 1, 99))
        .setSourceOffsets(List.of(new SourceOffset(TOPICS.samples().name(), 0, 99L),
            new SourceOffset(TOPICS.keyInit().name(), 0, 4_999L)))
        .build();
    state.modelUpdate(update, 1);
    assertNull(row(state.snapshot(2), "kvb").learnerLag(), "end offsets not read yet");

    state.samplesTopic(unread(Map.of(0, 120L, 1, 50L)), 3);

    // Partition 0 holds offsets 0..119; version 3 reflects up to offset 99, so 100..119 are behind it.
    assertEquals(120 - (99 + 1), row(state.snapshot(4), "kvb").learnerLag());
  }

  @Test
  void transactionMarkersAtThePartitionsEndAreNoLag() {
    state.modelUpdate(update("nmc", 5, 0, 1, 118), 1);
    // Offsets 90..118 are samples, 119 the marker of the publisher's last commit.
    long[] records = LongStream.range(90, 119).toArray();
    state.samplesTopic(Map.of(0, new PartitionTail(120, 88, records)), 2);
    assertEquals(0L, row(state.snapshot(3), "nmc").learnerLag(), "the newest version took in every sample");

    state.modelUpdate(update("kvb", 2, 0, 1, 40), 4); // far behind
    assertEquals((88 - 41) + records.length, row(state.snapshot(5), "kvb").learnerLag(),
        "offsets before the tail, records within it");
  }

  @Test
  void ratesOverTheLastSecondsAndTheirHistory() {
    state.samplesTopic(unread(Map.of(0, 100L, 1, 0L)), 10_000);
    state.tick(10_000);
    for (int i = 0; i < 30; i++) {
      state.prediction(prediction("nmc", i, 1, 1));
    }
    state.samplesTopic(unread(Map.of(0, 150L, 1, 50L)), 12_000);
    state.tick(12_000);

    DashboardState.Throughput throughput = state.snapshot(12_000).throughput();
    assertEquals((200 - 100) / 2.0, throughput.published(), EPS);
    assertEquals(30 / 2.0, throughput.learned().get("nmc"), EPS, "its first 30 since the tick before");
    assertEquals(List.of(10_000L, 12_000L), throughput.times());
    assertEquals(List.of(PipelineState.PUBLISHED, "nmc"), List.copyOf(throughput.series().keySet()));
    assertEquals(Arrays.asList(null, 15.0), throughput.series().get("nmc"), "no nmc before it appeared");
    assertEquals(50.0, throughput.series().get(PipelineState.PUBLISHED).get(1), EPS);

    for (int i = 30; i < 70; i++) {
      state.prediction(prediction("nmc", i, 1, 1));
    }
    state.tick(14_000);
    assertEquals(70 / 4.0, state.snapshot(14_000).throughput().learned().get("nmc"), EPS, "70 in 4 s");
    for (int i = 70; i < 80; i++) {
      state.prediction(prediction("nmc", i, 1, 1));
    }
    state.tick(20_000);
    assertEquals((80 - 70) / 6.0, state.snapshot(20_000).throughput().learned().get("nmc"), EPS,
        "since the newest reading at least 5 s old");
  }

  @Test
  void predictionsReadFromTheBacklogAreNoRate() {
    state.readingBacklog(true);
    state.tick(1_000);
    for (int i = 0; i < 500; i++) {
      state.prediction(prediction("nmc", i, 1, 1));
    }
    state.tick(2_000);
    assertNull(state.snapshot(2_000).throughput().learned().get("nmc"));

    state.readingBacklog(false);
    state.tick(3_000);
    for (int i = 500; i < 520; i++) {
      state.prediction(prediction("nmc", i, 1, 1));
    }
    state.tick(5_000);
    assertEquals(20 / 3.0, state.snapshot(5_000).throughput().learned().get("nmc"), EPS,
        "counted from the last tick while reading the backlog");
  }

  @Test
  void deadLettersGroupByStageAndTheFirstWordsOfTheError() {
    state.deadLetter(deadLetter("validate", DeadLetterReason.UNKNOWN_LABEL,
        "Label 12 of stream 'a' is not in [0, 10): fix the producer or raise --label-limit", 1));
    state.deadLetter(deadLetter("validate", DeadLetterReason.UNKNOWN_LABEL,
        "Label 40 of stream 'b' is not in [0, 10): fix the producer or raise --label-limit", 2));
    state.deadLetter(deadLetter("decode", DeadLetterReason.MALFORMED, "Not a single-object-encoded Sample", 3));
    state.deadLetter(deadLetter("validate", DeadLetterReason.WRONG_SHAPE, "Image 32x32x3 is not 28x28x1", 4));

    DashboardState.DeadLetters letters = state.snapshot(0).deadLetters();
    assertEquals(4, letters.total());
    List<DeadLetterGroup> groups = letters.groups();
    assertEquals(3, groups.size());
    assertEquals(new DeadLetterGroup("validate", "Label # of stream '…' is …", "UNKNOWN_LABEL", 2, 2_000,
        "Label 40 of stream 'b' is not in [0, 10): fix the producer or raise --label-limit"), groups.get(0));
    assertEquals("decode", groups.get(1).stage());
    assertEquals("Not a single-object-encoded Sample", groups.get(1).error());
    assertEquals("Image #x#x# is not #x#x#", groups.get(2).error());
  }

  @Test
  void testAccuracyPerVersionAndTheAccuracyMatrixSoFar() {
    state.evalResult(eval("nmc", 5, 0, 0, 0.9));
    state.evalResult(eval("nmc", 5, 0, null, 0.9));
    state.evalResult(eval("nmc", 10, 1, 0, 0.5));
    state.evalResult(eval("nmc", 10, 1, 1, 0.95));
    state.evalResult(eval("nmc", 10, 1, null, 0.72));
    state.evalResult(eval("nmc", 12, 1, 0, 0.6)); // a newer version trained through task 1 replaces row 1

    DashboardState snapshot = state.snapshot(0);
    Curve tested = snapshot.testAccuracy().get(0);
    assertEquals(List.of(5L, 10L), tested.x());
    assertEquals(List.of(0.9, 0.72), tested.y());
    ModelRow nmc = row(snapshot, "nmc");
    assertEquals(10L, nmc.testedVersion());
    assertEquals(0.72, nmc.testAccuracy(), EPS);
    Matrix matrix = snapshot.matrices().get(0);
    assertEquals(List.of(0, 1), matrix.tasks());
    assertEquals(new MatrixRow(0, 5, Arrays.asList(0.9, null)), matrix.rows().get(0));
    assertEquals(new MatrixRow(1, 12, Arrays.asList(0.6, null)), matrix.rows().get(1));
  }

  @Test
  void alertsNewestFirstWithTheirDrift() {
    state.alert(alert("nmc", null));
    state.alert(alert("kvb", new Drift("ADWIN(delta=0.002) on prequential error", 1_234L, 1_200L, 0.1, 500L, 0.45,
        80L, 0.35)));

    DashboardState.Alerts alerts = state.snapshot(0).alerts();
    assertEquals(2, alerts.total());
    assertEquals(1, alerts.drift());
    AlertRow newest = alerts.newest().get(0);
    assertEquals("kvb", newest.learner());
    assertEquals(1_234L, newest.drift().position());
    assertEquals(0.35, newest.drift().magnitude(), EPS);
    assertNull(alerts.newest().get(1).drift());
  }

  @Test
  void servingLagIsShownWhileServingRuns() {
    assertNull(state.snapshot(0).serving());
    ServingLag lag = new ServingLag(OffsetProbe.servingGroup(TOPICS), "STABLE", 2, 7);
    state.serving(lag);
    assertEquals(lag, state.snapshot(0).serving());
    assertEquals("streamcl-serving-dash", lag.group());
  }

  /** Accuracy over the last {@code window} of the first {@code count} outcomes, counted here. */
  private static double windowAccuracy(boolean[] outcomes, int count, int window) {
    int from = Math.max(0, count - window);
    int correct = 0;
    for (int i = from; i < count; i++) {
      correct += outcomes[i] ? 1 : 0;
    }
    return (double) correct / (count - from);
  }

  private static Map<Integer, PartitionTail> unread(Map<Integer, Long> ends) {
    Map<Integer, PartitionTail> tails = new HashMap<>();
    ends.forEach((partition, end) -> tails.put(partition, PartitionTail.unread(end)));
    return tails;
  }

  private static ModelRow row(DashboardState snapshot, String learner) {
    return snapshot.models().stream().filter(m -> m.learner().equals(learner)).findFirst().orElseThrow();
  }

  private static ModelUpdate update(String learner, long version, int chunk, int chunks, long lastOffset) {
    return ModelUpdate.newBuilder().setStreamId(STREAM).setLearner(learner).setModelVersion(version)
        .setKind(UpdateKind.SNAPSHOT).setEncoderIdentity(new EncoderIdentity("pixels", "0", 784))
        .setClasses(List.of(0, 1)).setTensors(List.of()).setSamplesSeen(lastOffset + 1)
        .setLabelledSeen(lastOffset + 1)
        .setSourceOffsets(List.of(new SourceOffset(TOPICS.samples().name(), 0, lastOffset)))
        .setCreatedAt(Instant.parse("2024-01-01T00:00:00Z").plusSeconds(lastOffset))
        .setChunkIndex(chunk).setChunkCount(chunks).build();
  }

  private static Prediction prediction(String learner, long sequence, int predicted, Integer label) {
    return Prediction.newBuilder().setStreamId(STREAM).setSequence(sequence).setSource(PredictionSource.PREQUENTIAL)
        .setLearner(learner).setModelVersion(0).setPredictedLabel(predicted).setTopScores(List.of())
        .setTrueLabel(label).setEventTime(Instant.EPOCH).build();
  }

  private static DeadLetter deadLetter(String stage, DeadLetterReason reason, String error, long second) {
    return DeadLetter.newBuilder().setSourceTopic(TOPICS.samples().name()).setPartition(0).setOffset(second)
        .setPayload(ByteBuffer.wrap(new byte[] {1})).setPayloadSize(1).setStage(stage).setReason(reason)
        .setError(error).setOccurredAt(Instant.ofEpochSecond(second)).build();
  }

  private static EvalResult eval(String learner, long version, int through, Integer task, double accuracy) {
    return EvalResult.newBuilder().setStreamId(STREAM).setLearner(learner).setModelVersion(version)
        .setScenario("split-fmnist").setTestTopic(TOPICS.test("split-fmnist").name()).setTrainedThroughTask(through)
        .setTaskId(task).setCorrect(Math.round(accuracy * 100)).setCount(100).setAccuracy(accuracy)
        .setSamplesSeen(version * 20).setCreatedAt(Instant.EPOCH).build();
  }

  private static Alert alert(String learner, Drift drift) {
    return Alert.newBuilder().setStreamId(STREAM).setLearner(learner).setSeverity(AlertSeverity.WARNING)
        .setMessage("prequential error rose").setModelVersion(3).setSamplesSeen(1_300).setOccurredAt(Instant.EPOCH)
        .setDrift(drift).build();
  }
}
