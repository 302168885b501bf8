package dev.streamcl.evaluation;

import dev.streamcl.events.ModelDeltas;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.UpdateKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whole model versions of one learner on one stream, rebuilt from its update events in topic order:
 * chunks joined, deltas applied on their base. A delta whose base is missing is skipped until the
 * next snapshot.
 */
final class WholeModels {
  private final Map<Long, List<ModelUpdate>> chunks = new HashMap<>();
  private ModelUpdate held;

  /** Every whole version of {@code updates}, in order. */
  static List<ModelUpdate> rebuild(List<ModelUpdate> updates) {
    WholeModels models = new WholeModels();
    List<ModelUpdate> whole = new ArrayList<>();
    for (ModelUpdate update : updates) {
      ModelUpdate completed = models.add(update);
      if (completed != null) {
        whole.add(completed);
      }
    }
    return whole;
  }

  /** The whole version this update completes, or null while chunks are missing or a delta lacks its base. */
  ModelUpdate add(ModelUpdate update) {
    List<ModelUpdate> parts = chunks.computeIfAbsent(update.getModelVersion(), v -> new ArrayList<>());
    parts.add(update);
    if (parts.size() < update.getChunkCount()) {
      return null;
    }
    ModelUpdate complete = ModelUpdateChunks.assemble(chunks.remove(update.getModelVersion()));
    if (complete.getKind() == UpdateKind.SNAPSHOT) {
      held = complete;
    } else if (held != null && complete.getBaseVersion() != null
        && complete.getBaseVersion() == held.getModelVersion()) {
      held = ModelDeltas.apply(held, complete);
    } else {
      return null;
    }
    return held;
  }
}
