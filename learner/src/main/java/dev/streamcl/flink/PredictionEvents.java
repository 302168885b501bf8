package dev.streamcl.flink;

import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.learner.Predictions;
import java.time.Instant;

/** Prequential predictions of the learner job, one per sample of a batch. */
final class PredictionEvents {
  private PredictionEvents() {}

  static Prediction of(FeatureBatch batch, int i, Predictions predictions, String learner, long version) {
    return Prediction.newBuilder()
        .setStreamId(batch.streamId)
        .setSequence(batch.sequences[i])
        .setSource(PredictionSource.PREQUENTIAL)
        .setLearner(learner)
        .setModelVersion(version)
        .setPredictedLabel(predictions.hasPrediction(i) ? predictions.predictedLabel(i) : null)
        .setTopScores(predictions.labelScores(i))
        .setTrueLabel(batch.labels[i] >= 0 ? batch.labels[i] : null)
        .setTaskId(batch.taskIds[i] >= 0 ? batch.taskIds[i] : null)
        .setEventTime(Instant.ofEpochMilli(batch.eventTimes[i]))
        .build();
  }
}
