package dev.streamcl.flink;

import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.DeltaPublishing;
import dev.streamcl.learner.Publication;
import java.util.List;

/** Publishes the next version of a stream's model, for a learner subtask and for the merge of a stream's shards. */
final class VersionPublisher {
  private VersionPublisher() {}

  /**
   * The next version of {@code state} as model-update chunks: a snapshot first and after every
   * {@code snapshotEvery} deltas, a delta otherwise where the learner publishes them; advances {@code published}.
   */
  static <S> List<ModelUpdate> next(ContinualLearner<S, ?> learner, S state, PublishProgress published,
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
