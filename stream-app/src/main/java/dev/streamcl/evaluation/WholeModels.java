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
 * Every whole model version of one learner, rebuilt from its update events in topic order: chunks
 * joined, deltas applied on their base. A delta whose base is missing is skipped until the next snapshot.
 */
final class WholeModels {
  private WholeModels() {}

  static List<ModelUpdate> rebuild(List<ModelUpdate> updates) {
    List<ModelUpdate> whole = new ArrayList<>();
    Map<Long, List<ModelUpdate>> chunks = new HashMap<>();
    ModelUpdate held = null;
    for (ModelUpdate update : updates) {
      List<ModelUpdate> parts = chunks.computeIfAbsent(update.getModelVersion(), v -> new ArrayList<>());
      parts.add(update);
      if (parts.size() < update.getChunkCount()) {
        continue;
      }
      ModelUpdate complete = ModelUpdateChunks.assemble(chunks.remove(update.getModelVersion()));
      if (complete.getKind() == UpdateKind.SNAPSHOT) {
        held = complete;
      } else if (held != null && complete.getBaseVersion() != null && complete.getBaseVersion() == held.getModelVersion()) {
        held = ModelDeltas.apply(held, complete);
      } else {
        continue;
      }
      whole.add(held);
    }
    return whole;
  }
}
