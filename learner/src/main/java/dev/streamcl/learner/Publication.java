package dev.streamcl.learner;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
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

  /**
   * The start of a snapshot of {@code learner}'s model on features of {@code encoder}: this publication's stream,
   * version, source offsets and time; the learner adds its classes, tensors, counts and portable model.
   */
  public ModelUpdate.Builder snapshot(String learner, EncoderIdentity encoder) {
    return ModelUpdate.newBuilder().setStreamId(streamId).setLearner(learner).setModelVersion(version)
        .setKind(UpdateKind.SNAPSHOT).setBaseVersion(null)
        .setEncoderIdentity(EncoderIdentity.newBuilder(encoder).build())
        .setSourceOffsets(List.copyOf(sourceOffsets)).setCreatedAt(createdAt);
  }

  /** Per-class sample counts as a float tensor's values (exact up to 2^24). */
  public static float[] counts(long[] exact) {
    float[] counts = new float[exact.length];
    for (int c = 0; c < exact.length; c++) {
      counts[c] = exact[c];
    }
    return counts;
  }

  /** The version a delta of this publication applies on top of. */
  public long baseVersion() {
    return version - 1;
  }
}
