package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.ForwardingLearner;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.nmc.NearestClassMean;
import dev.streamcl.learner.nmc.NearestClassMeanLearner;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One stream's trouble stays its own: a stream of 3 samples beside a normal one leaves the normal
 * stream's models byte-identical to a run without it (KVB freezes the tiny stream's keys with what it
 * has and warns), and a learner that fails on one stream quarantines that stream alone.
 */
class StreamIsolationTest {
  private static final int DIM = 12;
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);
  private static final KvbHyperparameters KVB = new KvbHyperparameters(4, 32, 4, 1, 8, 0.3, 0.1, 3L, 0.95, 0.1,
      100);
  private static final PublishPolicy PUBLISH = new PublishPolicy(90, true);

  static Stream<ContinualLearner<?, ?>> everyLearner() {
    return Stream.of(new NearestClassMeanLearner(ENCODER),
        new KeyValueBottleneckLearner(new KeyValueBottleneckLearner.Settings(KVB, 40, 3, null), ENCODER),
        new ReplayHeadLearner("er", new ReplayHeadLearner.Settings(60, 16, 16, 0.1f, 1, 7), ENCODER),
        new ReplayHeadLearner("er-balanced", ReplayHeadLearner.Settings.defaults(), ENCODER),
        new ReplayHeadLearner("fetril", ReplayHeadLearner.Settings.defaults(), ENCODER),
        new ReplayHeadLearner("finetune", ReplayHeadLearner.Settings.defaults(), ENCODER));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyLearner")
  void aTinyStreamLeavesTheNormalStreamsModelsUnchanged(ContinualLearner<?, ?> learner) throws Exception {
    List<FeatureBatch> normal = normalStream();
    FeatureBatch tiny = GeneratedFeatures.batch("tiny", DIM, GeneratedFeatures.stream(9, DIM, 3, 3, 0, 0.3f));
    List<FeatureBatch> withTiny = new ArrayList<>(normal);
    withTiny.add(3, tiny);

    Outputs alone = run(learner, normal);
    Outputs beside = run(learner, withTiny);

    assertEquals(alone.updates("normal"), beside.updates("normal"), "the normal stream's model updates");
    assertFalse(beside.updates("normal").isEmpty());
    assertEquals(3, beside.predictions("tiny"), "every tiny-stream sample is predicted");
    assertFalse(beside.updates("tiny").isEmpty(), "the tiny stream publishes what it learned");
    List<Alert> tinyAlerts = beside.alerts.stream().filter(a -> a.getStreamId().equals("tiny")).toList();
    if (learner.warmup() != null) {
      assertEquals(1, tinyAlerts.size(), tinyAlerts.toString());
      assertEquals(AlertSeverity.WARNING, tinyAlerts.get(0).getSeverity());
      assertTrue(tinyAlerts.get(0).getMessage().contains("after 3 samples"), tinyAlerts.get(0).getMessage());
    } else {
      assertEquals(List.of(), tinyAlerts);
    }
    System.out.printf("%s: a 3-sample stream beside a normal one: normal stream's %d model-update records "
        + "identical to a run without it; the tiny stream published %d; alerts %s%n", learner.name(),
        alone.updates("normal").size(), beside.updates("tiny").size(),
        tinyAlerts.stream().map(a -> a.getSeverity().name()).toList());
  }

  @Test
  void aLearnerThatFailsOnOneStreamQuarantinesThatStreamAlone() throws Exception {
    List<FeatureBatch> normal = normalStream();
    List<FeatureBatch> bad = GeneratedFeatures.batches("bad", DIM, GeneratedFeatures.stream(5, DIM, 300, 75, 0, 0.3f),
        17, 29);
    List<FeatureBatch> both = new ArrayList<>();
    for (int i = 0; i < Math.max(normal.size(), bad.size()); i++) {
      if (i < normal.size()) {
        both.add(normal.get(i));
      }
      if (i < bad.size()) {
        both.add(bad.get(i));
      }
    }
    FailingOn failing = new FailingOn("bad", 4, new NearestClassMeanLearner(ENCODER));
    Outputs alone = run(new NearestClassMeanLearner(ENCODER), normal);
    Outputs mixed = run(failing, both);

    assertEquals(alone.updates("normal"), mixed.updates("normal"), "the healthy stream learns as if alone");
    List<Alert> alerts = mixed.alerts;
    assertEquals(1, alerts.size(), alerts.toString());
    assertEquals("bad", alerts.get(0).getStreamId());
    assertEquals(AlertSeverity.QUARANTINED, alerts.get(0).getSeverity());
    assertTrue(alerts.get(0).getMessage().contains("failing on purpose"), alerts.get(0).getMessage());
    int predictedBad = mixed.predictions("bad");
    int badBatchesBeforeFailure = 3;
    int expected = bad.subList(0, badBatchesBeforeFailure).stream().mapToInt(FeatureBatch::size).sum();
    assertEquals(expected, predictedBad, "the bad stream is predicted until it fails, then no more");
    System.out.printf("quarantine: stream 'bad' stopped at its 4th batch (%d samples predicted, then none), "
        + "alert: %s; stream 'normal' published %d records identical to a run without 'bad'%n", predictedBad,
        alerts.get(0).getSeverity(), mixed.updates("normal").size());
  }

  private static List<FeatureBatch> normalStream() {
    return GeneratedFeatures.batches("normal", DIM, GeneratedFeatures.stream(4, DIM, 600, 150, 7, 0.3f), 23, 31, 9);
  }

  private static <S, K extends AutoCloseable> Outputs run(ContinualLearner<S, K> learner, List<FeatureBatch> batches)
      throws Exception {
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction>(
        new KeyedProcessOperator<>(new LearnerFunction<>(learner, PUBLISH, ComputeDevice.cpu())),
        batch -> batch.streamId, Types.STRING)) {
      harness.open();
      for (FeatureBatch batch : batches) {
        harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
      harness.processWatermark(Long.MAX_VALUE);
      var updates = harness.getSideOutput(OutputTags.MODEL_UPDATES);
      var alerts = harness.getSideOutput(OutputTags.ALERTS);
      return new Outputs(harness.extractOutputValues(),
          updates == null ? List.of() : updates.stream().map(StreamRecord::getValue).toList(),
          alerts == null ? List.of() : alerts.stream().map(StreamRecord::getValue).toList());
    }
  }

  private record Outputs(List<Prediction> predictionList, List<ModelUpdate> updateList, List<Alert> alerts) {
    List<String> updates(String stream) {
      EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
      return updateList.stream().filter(u -> u.getStreamId().equals(stream))
          .map(u -> HexFormat.of().formatHex(codec.encode(u))).toList();
    }

    int predictions(String stream) {
      return (int) predictionList.stream().filter(p -> p.getStreamId().equals(stream)).count();
    }
  }

  /** NMC that throws on the {@code failAt}-th batch of one stream, as a learner with a bug would. */
  private static final class FailingOn extends ForwardingLearner<ClassMeanState, NearestClassMean> {
    private static final long serialVersionUID = 1L;
    private final String stream;
    private final int failAt;
    private int seen;

    FailingOn(String stream, int failAt, NearestClassMeanLearner learner) {
      super(learner);
      this.stream = stream;
      this.failAt = failAt;
    }

    @Override
    public Predictions testThenTrain(NearestClassMean kernel, ClassMeanState state, FeatureBatch batch) {
      if (batch.streamId.equals(stream) && ++seen == failAt) {
        throw new IllegalStateException("failing on purpose on batch " + failAt + " of " + stream);
      }
      return super.testThenTrain(kernel, state, batch);
    }
  }
}
