package dev.streamcl.flink;

import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.StateCodec;
import dev.streamcl.learner.StateMerge;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the versions of a stream spread over {@code shards} learner subtasks: once every shard's part of the
 * next version has arrived, their states merge in shard order by the learner's {@link StateMerge} and their
 * progress adds up (samples seen, labelled samples; the newest offset per source partition, event time and task),
 * and the merged state is published as the single-subtask learner would publish it. Parts of later versions wait in
 * keyed state. A shard whose learner failed stops the stream's versions, with an alert; other streams go on.
 */
public final class ShardMerge<S> extends KeyedProcessFunction<String, ShardState, ModelUpdate> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ShardMerge.class);

  private final ContinualLearner<S, ?> learner;
  private final int shards;

  private transient ValueState<PublishProgress> published;
  private transient ListState<ShardState> pending;
  private transient VersionPublisher publisher;
  private transient StateCodec<S> stateCodec;
  private transient StateCodec<PublishProgress> progressCodec;

  public ShardMerge(ContinualLearner<S, ?> learner, int shards) {
    this.learner = learner;
    this.shards = shards;
  }

  @Override
  public void open(OpenContext openContext) {
    published = getRuntimeContext().getState(new ValueStateDescriptor<>("merged-progress",
        new VersionedStateSerializer<>(new PublishProgressSchema())));
    pending = getRuntimeContext().getListState(
        new ListStateDescriptor<>("pending-parts", TypeInformation.of(ShardState.class)));
    publisher = VersionPublisher.register(getRuntimeContext(), learner.name());
  }

  @Override
  public void processElement(ShardState part, Context ctx, Collector<ModelUpdate> out) throws Exception {
    PublishProgress merged = published.value() == null ? new PublishProgress() : published.value();
    if (merged.quarantined != null) {
      return;
    }
    if (part.quarantined != null) {
      stop(merged, "shard " + part.shard + " stopped learning it (" + part.quarantined + ")", ctx);
    } else {
      pending.add(part);
      publishCompleteVersions(merged, ctx, out);
    }
    published.update(merged);
  }

  private void publishCompleteVersions(PublishProgress merged, Context ctx, Collector<ModelUpdate> out)
      throws Exception {
    List<ShardState> waiting = new ArrayList<>();
    pending.get().forEach(waiting::add);
    int before = waiting.size();
    while (true) {
      long next = merged.version + 1;
      List<ShardState> parts = waiting.stream().filter(p -> p.version == next)
          .sorted(Comparator.comparingInt(p -> p.shard)).toList();
      if (parts.size() < shards) {
        break;
      }
      try {
        publish(parts, merged, out);
      } catch (RuntimeException e) {
        stop(merged, "merging its shards failed (" + e + ")", ctx);
        waiting.clear();
        break;
      }
      waiting.removeAll(parts);
    }
    if (waiting.size() < before) { // else the list already holds the new part: a rewrite would copy every part
      pending.update(waiting);
    }
  }

  /** The parts of one version merged: the state, and what the shards took in together. */
  record Merged<S>(S state, PublishProgress progress) {}

  /** Merges the parts of one version in shard order (as they come, sorted by shard). */
  Merged<S> merge(List<ShardState> parts) {
    if (stateCodec == null) {
      stateCodec = new StateCodec<>(learner.stateSchema());
      progressCodec = new StateCodec<>(new PublishProgressSchema());
    }
    StateMerge<S> merge = learner.merge();
    S state = null;
    long stateLabelled = 0;
    PublishProgress progress = new PublishProgress();
    for (ShardState part : parts) {
      PublishProgress shard = progressCodec.decode(part.progress);
      if (part.state != null) {
        S shardState = stateCodec.decode(part.state);
        state = state == null ? shardState : merge.apply(state, stateLabelled, shardState, shard.labelledSeen);
        stateLabelled += shard.labelledSeen;
      }
      add(progress, shard);
    }
    return new Merged<>(state, progress);
  }

  /** Merges the parts of one version and publishes the result. */
  private void publish(List<ShardState> parts, PublishProgress merged, Collector<ModelUpdate> out) {
    Merged<S> result = merge(parts);
    S state = result.state();
    PublishProgress progress = result.progress();
    if (state == null) {
      throw new IllegalStateException("no shard has a model yet at version " + (merged.version + 1));
    }
    progress.version = merged.version;
    progress.deltasSinceSnapshot = merged.deltasSinceSnapshot;
    PublishProgress.Trigger trigger = PublishProgress.Trigger.valueOf(parts.get(0).trigger);
    publisher.publish(learner, state, progress, parts.get(0).streamId, trigger).forEach(out::collect);
    merged.version = progress.version;
    merged.deltasSinceSnapshot = progress.deltasSinceSnapshot;
    merged.samplesSeen = progress.samplesSeen;
    merged.newestEventTime = progress.newestEventTime;
  }

  /** What the shards took in together: counts add, newest offsets, event time and task are the largest. */
  private static void add(PublishProgress total, PublishProgress shard) {
    total.samplesSeen += shard.samplesSeen;
    total.labelledSeen += shard.labelledSeen;
    total.newestEventTime = Math.max(total.newestEventTime, shard.newestEventTime);
    total.highestTask = Math.max(total.highestTask, shard.highestTask);
    total.topic = total.topic == null ? shard.topic : total.topic;
    shard.offsets.forEach((partition, offset) -> total.offsets.merge(partition, offset, Math::max));
  }

  private void stop(PublishProgress merged, String reason, Context ctx) throws Exception {
    merged.quarantined = reason;
    pending.clear();
    String message = learner.name() + " stopped publishing stream " + ctx.getCurrentKey() + " after version "
        + merged.version + ": " + reason + ". Its other streams and the other learners go on; start the job from "
        + "state taken before the failure, or from fresh state, to learn this stream again.";
    LOG.warn(message);
    ctx.output(OutputTags.ALERTS, merged.alert(ctx.getCurrentKey(), learner.name(), AlertSeverity.QUARANTINED,
        message));
  }
}
