package dev.streamcl.flink;

import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Predictions;
import java.time.Instant;
import org.apache.flink.util.Collector;

/** Prequential predictions of the learner job, one per sample of a batch. */
final class PredictionEvents {
  private PredictionEvents() {}

  /** Emits the prediction of every sample of a minibatch, then records that the samples were taken in. */
  static void emitAndCount(Collector<Prediction> out, FeatureBatch minibatch, Predictions predictions, String learner,
      PublishProgress published) {
    for (int i = 0; i < minibatch.size(); i++) {
      out.collect(of(minibatch, i, predictions, learner, published.version));
      published.tookIn(minibatch, i);
    }
  }

  /**
   * Built with the all-fields constructor in schema order, not the builder: the builder copies every
   * default and checks every field, per prediction, and this is the job's most frequent record.
   */
  static Prediction of(FeatureBatch batch, int i, Predictions predictions, String learner, long version) {
    return new Prediction(batch.streamId, batch.sequences[i], PredictionSource.PREQUENTIAL, learner, version,
        predictions.hasPrediction(i) ? predictions.predictedLabel(i) : null, predictions.labelScores(i),
        batch.labels[i] >= 0 ? batch.labels[i] : null, batch.taskIds[i] >= 0 ? batch.taskIds[i] : null,
        Instant.ofEpochMilli(batch.eventTimes[i]));
  }
}
