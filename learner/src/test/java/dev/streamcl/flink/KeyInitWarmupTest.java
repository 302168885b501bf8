package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * KVB keys from the key-init topic (the default): a learner waits for at most the samples the topic held for its
 * stream when the job started, and a stream with none there fits on its own first samples at once, with a warning,
 * instead of waiting for a topic nobody fills.
 */
class KeyInitWarmupTest {
  private static final int DIM = 12;
  private static final String STREAM = "s";
  private static final String KEY_INIT = "p.key-init";
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);
  private static final KvbHyperparameters KVB = new KvbHyperparameters(4, 64, 4, 1, 8, 0.3, 0.1, 3L, 0.95, 0.1, 100);
  private static final List<FeatureBatch> SAMPLES = GeneratedFeatures.batches(STREAM, DIM,
      GeneratedFeatures.stream(4, DIM, 400, 100, 0, 0.3f), 50);

  @Test
  void aStreamWithNoKeyInitSamplesFitsOnItsOwnFirstSamplesAtOnceAndSaysSo() throws Exception {
    try (var uncounted = harness(WarmupSupply.UNCOUNTED)) {
      feed(uncounted, SAMPLES);
      assertEquals(0, predictions(uncounted), "without a count KVB waits for key-init samples (or the input end)");
    }
    try (var none = harness(new WarmupSupply(Map.of(KEY_INIT, Map.of("other-stream", 500))))) {
      feed(none, SAMPLES);
      assertEquals(400, predictions(none), "keys fitted on the stream's first 100 samples; every sample learned");
      List<Alert> alerts = alerts(none);
      assertEquals(1, alerts.size());
      assertEquals(AlertSeverity.WARNING, alerts.get(0).getSeverity());
      assertTrue(alerts.get(0).getMessage().contains(KEY_INIT + " held no warm-up samples for this stream"),
          alerts.get(0).getMessage());
    }
  }

  @Test
  void fewerKeyInitSamplesThanWantedAreEnoughOnceTheyAllArrived() throws Exception {
    try (var eighty = harness(new WarmupSupply(Map.of(KEY_INIT, Map.of(STREAM, 80))))) {
      feed(eighty, SAMPLES.subList(0, 2));
      feed(eighty, List.of(keyInit(50)));
      assertEquals(0, predictions(eighty), "the stream's samples wait for the keys: 50 of the 80 key-init samples");
      feed(eighty, List.of(keyInit(30)));
      assertEquals(100, predictions(eighty), "fitted on the 80 key-init samples there were (100 wanted); the "
          + "waiting samples learned");
      feed(eighty, SAMPLES.subList(2, SAMPLES.size()));
      assertEquals(400, predictions(eighty));
      assertEquals(List.of(), alerts(eighty), "80 samples for 64 keys per codebook: no degraded start");
    }
  }

  private static FeatureBatch keyInit(int n) {
    FeatureBatch batch = FeatureBatch.concat(SAMPLES).slice(0, n);
    batch.topic = KEY_INIT;
    Arrays.fill(batch.labels, -1);
    return batch;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness(
      WarmupSupply supply) throws Exception {
    var harness = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction>(
        new KeyedProcessOperator<>(new LearnerFunction<>(
            new KeyValueBottleneckLearner(new KeyValueBottleneckLearner.Settings(KVB, 25, 100, KEY_INIT), ENCODER),
            new PublishPolicy(1000, false), ComputeDevice.cpu(), supply)), batch -> batch.streamId, Types.STRING);
    harness.open();
    return harness;
  }

  private static void feed(KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness,
      List<FeatureBatch> batches) throws Exception {
    for (FeatureBatch batch : batches) {
      harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
    }
  }

  private static int predictions(KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> h) {
    return h.extractOutputValues().size();
  }

  private static List<Alert> alerts(KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> h) {
    var side = h.getSideOutput(OutputTags.ALERTS);
    return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
  }
}
