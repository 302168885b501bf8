package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.drift.PrequentialDriftDetector;
import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The drift watch on two streams of predictions: one steady, one whose error rises at sample 4,000 (every other
 * sample unlabelled). The alert names the drifting stream only, at the sample its own detector (run here on the
 * labelled outcomes alone) reports, and a watch restored from a snapshot halfway reports the same.
 */
class DriftWatchTest {
  private static final int SAMPLES = 10_000;

  @Test
  void aRiseInOneStreamsErrorIsAnAlertForThatStreamAtTheDetectorsSample() throws Exception {
    List<Prediction> input = predictions();
    List<Alert> alerts = run(input, -1);
    assertEquals(1, alerts.size(), alerts.toString());
    Alert alert = alerts.get(0);
    assertEquals("drifting", alert.getStreamId());
    assertEquals("nmc", alert.getLearner());
    assertEquals(AlertSeverity.WARNING, alert.getSeverity());
    assertNotNull(alert.getDrift());
    assertEquals(expectedPosition(input), alert.getDrift().getPosition());
    assertTrue(alert.getDrift().getPosition() >= 4_000 && alert.getDrift().getPosition() < 4_600,
        "found at " + alert.getDrift().getPosition());
    assertTrue(alert.getDrift().getMagnitude() > 0.2, alert.toString());
    assertEquals(alert.getDrift().getErrorAfter() - alert.getDrift().getErrorBefore(),
        alert.getDrift().getMagnitude(), 1e-12);
    assertEquals(alert.getDrift().getPosition() + 1, alert.getSamplesSeen(), "predictions counted, labelled or not");
    assertTrue(alert.getMessage().contains("nmc") && alert.getMessage().contains("drifting"), alert.getMessage());
  }

  @Test
  void aRestoredWatchReportsWhatAnUninterruptedOneDoes() throws Exception {
    List<Prediction> input = predictions();
    assertEquals(run(input, -1), run(input, 2 * 3_000));
  }

  /** The sample at which a detector fed the drifting stream's labelled outcomes directly reports drift. */
  private static long expectedPosition(List<Prediction> input) {
    PrequentialDriftDetector detector = new PrequentialDriftDetector(PrequentialDriftDetector.DEFAULT_DELTA);
    for (Prediction p : input) {
      if (p.getStreamId().equals("drifting") && p.getTrueLabel() != null
          && detector.add(!p.getTrueLabel().equals(p.getPredictedLabel())) != null) {
        return p.getSequence();
      }
    }
    return -1;
  }

  /** Runs the watch over {@code input}, snapshotting and restoring it into a new harness after element {@code cut}. */
  private static List<Alert> run(List<Prediction> input, int cut) throws Exception {
    List<Alert> alerts = new ArrayList<>();
    var harness = harness(null);
    for (int i = 0; i < input.size(); i++) {
      harness.processElement(input.get(i), i);
      if (i == cut) {
        OperatorSubtaskState snapshot = harness.snapshot(1, i);
        alerts.addAll(harness.extractOutputValues());
        harness.close();
        harness = harness(snapshot);
      }
    }
    alerts.addAll(harness.extractOutputValues());
    harness.close();
    return alerts;
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, Prediction, Alert> harness(
      OperatorSubtaskState restoreFrom) throws Exception {
    var harness = new KeyedOneInputStreamOperatorTestHarness<String, Prediction, Alert>(
        new KeyedProcessOperator<>(new DriftWatch("nmc", PrequentialDriftDetector.DEFAULT_DELTA)),
        Prediction::getStreamId, Types.STRING);
    if (restoreFrom != null) {
      harness.initializeState(restoreFrom);
    }
    harness.open();
    return harness;
  }

  /** Two interleaved streams; odd samples unlabelled; the drifting one's error rises from 5 % to 40 % at 4,000. */
  private static List<Prediction> predictions() {
    Random random = new Random(5);
    List<Prediction> out = new ArrayList<>();
    for (int s = 0; s < SAMPLES; s++) {
      for (String stream : List.of("steady", "drifting")) {
        double error = stream.equals("drifting") && s >= 4_000 ? 0.4 : 0.05;
        boolean labelled = s % 2 == 0;
        int truth = s % 3;
        int predicted = random.nextDouble() < error ? (truth + 1) % 3 : truth;
        out.add(new Prediction(stream, (long) s, PredictionSource.PREQUENTIAL, "nmc", 1L + s / 1_000, predicted,
            List.of(), labelled ? truth : null, null, Instant.ofEpochMilli(s)));
      }
    }
    return out;
  }
}
