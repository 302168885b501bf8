package dev.streamcl.learner;

import dev.streamcl.events.ModelUpdate;

/**
 * A learner whose versions can travel as deltas: what changed since the previous version. A full
 * snapshot still goes out first and after every {@link #snapshotEvery()} deltas, so a reader that
 * joins late does not replay the whole history.
 */
public interface DeltaPublishing<S> {
  /** Deltas between two snapshots. */
  int snapshotEvery();

  /** What changed since {@link Publication#baseVersion()}. */
  ModelUpdate delta(S state, Publication publication);

  /** Called after every published version: the next delta starts from here. */
  void published(S state);
}
