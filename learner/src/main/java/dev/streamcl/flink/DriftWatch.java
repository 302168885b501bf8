package dev.streamcl.flink;

import dev.streamcl.drift.PrequentialDriftDetector;
import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.Drift;
import dev.streamcl.events.Prediction;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Watches one learner's prequential predictions, keyed by stream: a {@link PrequentialDriftDetector} over the
 * errors of the labelled ones, a drift {@link Alert} (WARNING with {@link Drift}) whenever it reports one, and the
 * learner's current prequential accuracy (over the detector's adaptive window) as a metric per stream. With one
 * subtask per stream, predictions arrive in sample order, so the alerts are as deterministic as the models.
 */
final class DriftWatch extends KeyedProcessFunction<String, Prediction, Alert> {
  private static final long serialVersionUID = 1L;

  private final String learner;
  private final double delta;
  private transient ValueState<DriftWatchState> state;
  private transient Counter drifts;
  private transient Map<String, Double> accuracyByStream;
  private transient MetricGroup metrics;

  DriftWatch(String learner, double delta) {
    this.learner = learner;
    this.delta = delta;
  }

  @Override
  public void open(OpenContext openContext) {
    state = getRuntimeContext().getState(new ValueStateDescriptor<>("drift-watch",
        new VersionedStateSerializer<>(new DriftWatchSchema())));
    metrics = getRuntimeContext().getMetricGroup().addGroup("learner", learner);
    drifts = metrics.counter("driftDetections");
    accuracyByStream = new HashMap<>();
  }

  @Override
  public void processElement(Prediction prediction, Context ctx, Collector<Alert> out) throws Exception {
    DriftWatchState watch = state.value();
    if (watch == null) {
      watch = new DriftWatchState(new PrequentialDriftDetector(delta), 0);
    }
    watch.predictions++;
    if (prediction.getTrueLabel() != null) {
      PrequentialDriftDetector.Drift drift = watch.detector.add(!prediction.getTrueLabel()
          .equals(prediction.getPredictedLabel()));
      showAccuracy(prediction.getStreamId(), 1 - watch.detector.windowError());
      if (drift != null) {
        drifts.inc();
        out.collect(alert(prediction, watch, drift));
      }
    }
    state.update(watch);
  }

  private void showAccuracy(String streamId, double accuracy) {
    if (accuracyByStream.put(streamId, accuracy) == null) {
      metrics.addGroup("stream", streamId).gauge("prequentialAccuracy", () -> accuracyByStream.get(streamId));
    }
  }

  private Alert alert(Prediction prediction, DriftWatchState watch, PrequentialDriftDetector.Drift drift) {
    String message = String.format(Locale.ROOT, "Drift in %s's prequential error on stream %s at sample %,d: "
        + "%.1f%% over the %,d labelled samples before, %.1f%% over the %,d since (%s). The stream has changed; "
        + "watch whether %s adapts (its accuracy on the test topics, the newest versions).", learner,
        prediction.getStreamId(), prediction.getSequence(), 100 * drift.errorBefore(), drift.samplesBefore(),
        100 * drift.errorAfter(), drift.samplesAfter(), watch.detector.describe(), learner);
    Drift event = new Drift(watch.detector.describe(), prediction.getSequence(), drift.sample(),
        drift.errorBefore(), drift.samplesBefore(), drift.errorAfter(), drift.samplesAfter(), drift.magnitude());
    return Alert.newBuilder().setStreamId(prediction.getStreamId()).setLearner(learner)
        .setSeverity(AlertSeverity.WARNING).setMessage(message).setModelVersion(prediction.getModelVersion())
        .setSamplesSeen(watch.predictions).setOccurredAt(prediction.getEventTime()).setDrift(event).build();
  }
}
