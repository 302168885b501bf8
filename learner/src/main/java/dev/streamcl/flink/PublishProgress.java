package dev.streamcl.flink;

import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Publication;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Per stream and learner: the last published version and what has been learned since. */
public class PublishProgress {
  /** ModelUpdate property: the highest task id among the samples the version learned from. */
  public static final String TRAINED_THROUGH_TASK = "trainedThroughTask";
  /** ModelUpdate property: why the version was published, one of the {@link Trigger}s. */
  public static final String TRIGGER = "trigger";

  /** Why a version was published. */
  public enum Trigger {
    /** {@code publishEvery} labelled samples since the last version. */
    INTERVAL,
    /** A sample of a new (higher) task id arrived: the model trained through the previous task. */
    TASK_END,
    /** The input ended. */
    INPUT_END;

    public String property() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  public long version;
  /** Every sample and every labelled sample taken in so far. */
  public long samplesSeen;
  public long labelledSeen;
  public long labelledSincePublish;
  public long samplesSincePublish;
  /** Deltas published since the last full snapshot (learners that publish deltas). */
  public int deltasSinceSnapshot;
  public long newestEventTime;
  /** Highest task id taken in so far, -1 while none carried one. */
  public int highestTask = -1;
  public String topic;
  /** Why the learner stopped learning this stream, or null while it learns. */
  public String quarantined;
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
    highestTask = Math.max(highestTask, batch.taskIds[i]);
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

  /**
   * Whether row {@code i} of {@code batch} is the first sample of a task id higher than any taken in
   * so far, after samples of an earlier task: the scenario's task boundary. Learners publish there so
   * evaluation gets the model trained through each task; they never read task ids otherwise.
   */
  public boolean opensNewTask(FeatureBatch batch, int i) {
    return highestTask >= 0 && batch.taskIds[i] > highestTask;
  }

  /** Adds what an evaluator needs to place the version in the accuracy matrix. */
  public ModelUpdate annotate(ModelUpdate update, Trigger trigger) {
    Map<String, String> properties = new TreeMap<>(update.getProperties());
    properties.put(TRIGGER, trigger.property());
    if (highestTask >= 0) {
      properties.put(TRAINED_THROUGH_TASK, Integer.toString(highestTask));
    }
    update.setProperties(properties);
    return update;
  }

  /** An alert about {@code learner} on {@code streamId} at this progress: newest version, samples, event time. */
  public Alert alert(String streamId, String learner, AlertSeverity severity, String message) {
    return Alert.newBuilder().setStreamId(streamId).setLearner(learner).setSeverity(severity).setMessage(message)
        .setModelVersion(version).setSamplesSeen(samplesSeen).setOccurredAt(Instant.ofEpochMilli(newestEventTime))
        .build();
  }

  /** What version {@code version} of {@code streamId} records besides its model. */
  public Publication publication(String streamId, long version) {
    return new Publication(streamId, version, samplesSeen, labelledSeen, sourceOffsets(), createdAt());
  }

  public List<SourceOffset> sourceOffsets() {
    List<SourceOffset> sorted = new ArrayList<>();
    offsets.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> sorted.add(new SourceOffset(topic, e.getKey(), e.getValue())));
    return sorted;
  }
}
