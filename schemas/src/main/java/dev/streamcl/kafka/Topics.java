package dev.streamcl.kafka;

import dev.streamcl.events.Alert;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.LearnerThroughput;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import java.io.Serializable;

/**
 * The one registry of StreamCL topic names, each typed by the event its values hold (Avro single-object
 * encoding, see {@link dev.streamcl.events.EventCodec}). Names share a configurable prefix (default
 * {@code streamcl}) so several experiments can live on one cluster.
 */
public final class Topics implements Serializable {
  public static final String DEFAULT_PREFIX = "streamcl";

  private final String prefix;

  public Topics(String prefix) {
    if (prefix == null || prefix.isBlank() || !prefix.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("Topic prefix '" + prefix
          + "' is not a valid Kafka topic name part; use letters, digits, '.', '_' or '-'");
    }
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** The training stream. Key: stream id. */
  public TopicSpec<Sample> samples() {
    return new TopicSpec<>(prefix + ".samples");
  }

  /** Samples to be answered by the serving service. Key: stream id. */
  public TopicSpec<Sample> requests() {
    return new TopicSpec<>(prefix + ".requests");
  }

  /** Chunked snapshots and deltas. Key: {@code streamId/learner}; partition chosen by stream id. */
  public TopicSpec<ModelUpdate> modelUpdates() {
    return new TopicSpec<>(prefix + ".model-updates");
  }

  public TopicSpec<Prediction> predictions() {
    return new TopicSpec<>(prefix + ".predictions");
  }

  /**
   * Serving's answers (source SERVING), apart from the learner job's prequential predictions: a crashed
   * learner's open transaction on its topic can never hold back read_committed readers of these.
   */
  public TopicSpec<Prediction> servedPredictions() {
    return new TopicSpec<>(prefix + ".served-predictions");
  }

  /** Accuracy of published model versions on the test topics. Key: {@code streamId/learner}. */
  public TopicSpec<EvalResult> eval() {
    return new TopicSpec<>(prefix + ".eval");
  }

  /** Learner throughput of finished learner jobs, for reports. Key: learner. */
  public TopicSpec<LearnerThroughput> runs() {
    return new TopicSpec<>(prefix + ".runs");
  }

  /** Warnings and quarantines of one learner on one stream, for the person running the pipeline. */
  public TopicSpec<Alert> alerts() {
    return new TopicSpec<>(prefix + ".alerts");
  }

  public TopicSpec<DeadLetter> deadLetters() {
    return new TopicSpec<>(prefix + ".dead-letters");
  }

  /**
   * Unlabelled samples for initialising a learner's keys (KVB), written by {@code streamcl publish}. Key: stream
   * id.
   */
  public TopicSpec<Sample> keyInit() {
    return new TopicSpec<>(prefix + ".key-init");
  }

  /** A replayable held-out test set, written once and read from offset 0 by every evaluation. */
  public TopicSpec<Sample> test(String scenario) {
    return new TopicSpec<>(prefix + ".test." + scenario);
  }

  public static String modelKey(String streamId, String learner) {
    return streamId + "/" + learner;
  }
}
