package dev.streamcl.flink;

import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.DeltaPublishing;
import dev.streamcl.learner.Publication;
import java.util.List;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Publishes the next version of a stream's model, for a learner subtask and for the merge of a stream's shards, and
 * reports what it published as metrics in the group {@code learner=<name>}: {@code publishedVersions},
 * {@code modelVersion} (the newest this subtask published, any stream) and {@code modelBytes} (tensor bytes of the
 * newest snapshot: the model's size).
 */
final class VersionPublisher {
  private final Counter versions;
  private volatile long newestVersion;
  private volatile long snapshotBytes;

  private VersionPublisher(MetricGroup learnerMetrics) {
    versions = learnerMetrics.counter("publishedVersions");
    learnerMetrics.gauge("modelVersion", () -> newestVersion);
    learnerMetrics.gauge("modelBytes", () -> snapshotBytes);
  }

  static VersionPublisher register(RuntimeContext context, String learner) {
    return new VersionPublisher(context.getMetricGroup().addGroup("learner", learner));
  }

  /** {@link #next(ContinualLearner, Object, PublishProgress, String, PublishProgress.Trigger)}, counted. */
  <S> List<ModelUpdate> publish(ContinualLearner<S, ?> learner, S state, PublishProgress published,
      String streamId, PublishProgress.Trigger trigger) {
    List<ModelUpdate> chunks = next(learner, state, published, streamId, trigger);
    versions.inc();
    newestVersion = Math.max(newestVersion, published.version);
    if (chunks.get(0).getKind() == UpdateKind.SNAPSHOT) {
      snapshotBytes = chunks.stream().flatMap(c -> c.getTensors().stream()).mapToLong(t -> t.getValues().remaining())
          .sum();
    }
    return chunks;
  }

  /**
   * The next version of {@code state} as model-update chunks: a snapshot first and after every
   * {@code snapshotEvery} deltas, a delta otherwise where the learner publishes them; advances {@code published}.
   */
  private static <S> List<ModelUpdate> next(ContinualLearner<S, ?> learner, S state, PublishProgress published,
      String streamId, PublishProgress.Trigger trigger) {
    Publication publication = published.publication(streamId, published.nextVersion());
    DeltaPublishing<S> deltas = learner.deltas();
    boolean snapshot = deltas == null || publication.version() == 1
        || published.deltasSinceSnapshot >= deltas.snapshotEvery();
    ModelUpdate update = snapshot ? learner.snapshot(state, publication) : deltas.delta(state, publication);
    if (deltas != null) {
      published.deltasSinceSnapshot = snapshot ? 0 : published.deltasSinceSnapshot + 1;
      deltas.published(state);
    }
    ModelUpdate annotated = ModelUpdateChunks.withPortableModelDigest(published.annotate(update, trigger));
    return ModelUpdateChunks.split(annotated, ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES);
  }
}
