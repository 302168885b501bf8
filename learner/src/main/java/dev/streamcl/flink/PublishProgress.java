package dev.streamcl.flink;

import dev.streamcl.events.SourceOffset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Per stream and learner: the last published version and what has been learned since. */
public class PublishProgress {
  public long version;
  /** Every sample and every labelled sample taken in so far. */
  public long samplesSeen;
  public long labelledSeen;
  public long labelledSincePublish;
  public long samplesSincePublish;
  /** Deltas published since the last full snapshot (learners that publish deltas). */
  public int deltasSinceSnapshot;
  public long newestEventTime;
  public String topic;
  /** Source partition → offset of the newest sample learned from it. */
  public Map<Integer, Long> offsets = new HashMap<>();

  public PublishProgress() {}

  /** Something was learned since the last version; unlabelled samples alone change no model. */
  public boolean hasUnpublished() {
    return labelledSincePublish > 0;
  }

  /** Records that sample {@code i} of {@code batch} was taken in. */
  public void tookIn(FeatureBatch batch, int i) {
    if (batch.labels[i] >= 0) {
      labelledSincePublish++;
      labelledSeen++;
    }
    samplesSincePublish++;
    samplesSeen++;
    newestEventTime = Math.max(newestEventTime, batch.eventTimes[i]);
    offsets.merge(batch.partitions[i], batch.offsets[i], Math::max);
    topic = batch.topic;
  }

  /** Starts the next version; returns its number. */
  public long nextVersion() {
    version++;
    labelledSincePublish = 0;
    samplesSincePublish = 0;
    return version;
  }

  /** The newest learned event time, not the wall clock, so replays give identical bytes. */
  public Instant createdAt() {
    return Instant.ofEpochMilli(newestEventTime);
  }

  public List<SourceOffset> sourceOffsets() {
    List<SourceOffset> sorted = new ArrayList<>();
    offsets.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> sorted.add(new SourceOffset(topic, e.getKey(), e.getValue())));
    return sorted;
  }
}
