package dev.streamcl.learner;

import dev.streamcl.events.SourceOffset;
import java.time.Instant;
import java.util.List;

/**
 * What a published version records besides the model: its stream and number, how many samples the
 * learner took in, the newest source offsets it reflects, and the newest learned event time (not the
 * wall clock, so a replay gives identical bytes).
 */
public record Publication(String streamId, long version, long samplesSeen, long labelledSeen,
    List<SourceOffset> sourceOffsets, Instant createdAt) {
  public Publication {
    sourceOffsets = List.copyOf(sourceOffsets);
  }

  /** The version a delta of this publication applies on top of. */
  public long baseVersion() {
    return version - 1;
  }
}
