package dev.streamcl.flink;

import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Warmup;
import java.time.Instant;
import java.util.Arrays;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spreads one stream over {@code shards} learner subtasks ({@code --stream-parallelism}): sample {@code s} goes to
 * shard {@code s mod shards}, and where the single-subtask learner would publish a version — every
 * {@code publishEvery} labelled samples, before a higher task id, at the end of the input, counted exactly as
 * {@link PublishProgress} counts them — every shard gets an empty cut batch, so each shard's part of version v
 * holds exactly the samples version v holds. Learners that fit a warm-up first get the same warm-up samples on
 * every shard (their frozen keys must be equal to merge); the stream's samples wait here until it is sent.
 */
public final class StreamShards extends KeyedProcessFunction<String, FeatureBatch, FeatureBatch> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(StreamShards.class);

  private final ContinualLearner<?, ?> learner;
  private final int shards;
  private final PublishPolicy publish;
  private final WarmupSupply warmupSupply;

  private transient ValueState<PublishProgress> progress;
  private transient ValueState<Boolean> warmedUp;
  private transient ListState<FeatureBatch> held;
  private transient ListState<FeatureBatch> warmupSamples;

  public StreamShards(ContinualLearner<?, ?> learner, int shards, PublishPolicy publish, WarmupSupply warmupSupply) {
    this.learner = learner;
    this.shards = shards;
    this.publish = publish;
    this.warmupSupply = warmupSupply;
  }

  @Override
  public void open(OpenContext openContext) {
    progress = getRuntimeContext().getState(new ValueStateDescriptor<>("cut-progress",
        new VersionedStateSerializer<>(new PublishProgressSchema())));
    warmedUp = getRuntimeContext().getState(new ValueStateDescriptor<>("warmed-up", Types.BOOLEAN));
    held = getRuntimeContext().getListState(
        new ListStateDescriptor<>("held-samples", TypeInformation.of(FeatureBatch.class)));
    warmupSamples = getRuntimeContext().getListState(
        new ListStateDescriptor<>("warmup-samples", TypeInformation.of(FeatureBatch.class)));
  }

  @Override
  public void processElement(FeatureBatch batch, Context ctx, Collector<FeatureBatch> out) throws Exception {
    PublishProgress cuts = progress.value();
    if (cuts == null) {
      cuts = new PublishProgress();
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    Warmup<?> warmup = learner.warmup();
    boolean warm = warmup == null || Boolean.TRUE.equals(warmedUp.value());
    if (warmup != null && warmup.topic() != null && warmup.topic().equals(batch.topic)) {
      if (!warm) {
        warmupSamples.add(batch);
        sendWarmupIfReady(cuts, false, ctx, out);
      }
    } else if (warm) {
      route(batch, cuts, out);
    } else {
      held.add(batch);
      sendWarmupIfReady(cuts, false, ctx, out);
    }
    progress.update(cuts);
  }

  /** The input ended: send what warm-up there is, then close the last version. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<FeatureBatch> out) throws Exception {
    PublishProgress cuts = progress.value();
    if (learner.warmup() != null && !Boolean.TRUE.equals(warmedUp.value())) {
      sendWarmupIfReady(cuts, true, ctx, out);
    }
    if (cuts.hasUnpublished()) {
      cut(ctx.getCurrentKey(), PublishProgress.Trigger.INPUT_END, cuts, out);
    }
    progress.update(cuts);
  }

  /** Whether the warm-up comes from the stream's own first samples: no topic, or a topic that held none for it. */
  private boolean fitsOnStream(String streamId) {
    Warmup<?> warmup = learner.warmup();
    return warmup.topic() == null || warmupSupply.samples(warmup.topic(), streamId) == 0;
  }

  /**
   * Sends every shard the same warm-up samples once enough arrived (or the input ended with some), as the
   * single-subtask learner would pick them — from the warm-up topic, or the stream's own first samples when the
   * topic held none for it — then lets the held samples go. Counted before anything is joined: a stream's warm-up
   * can be tens of megabytes.
   */
  private void sendWarmupIfReady(PublishProgress cuts, boolean inputEnded, Context ctx, Collector<FeatureBatch> out)
      throws Exception {
    Warmup<?> warmup = learner.warmup();
    String streamId = ctx.getCurrentKey();
    int supplied = warmup.topic() == null ? -1 : warmupSupply.samples(warmup.topic(), streamId);
    int wanted = supplied > 0 ? Math.min(warmup.samplesWanted(), supplied) : warmup.samplesWanted();
    ListState<FeatureBatch> source = fitsOnStream(streamId) ? held : warmupSamples;
    int available = WaitingSamples.count(source);
    if (available == 0 && inputEnded) {
      source = held; // the topic's samples never came: fit on the stream's
      available = WaitingSamples.count(held);
    }
    if (available == 0 || (available < wanted && !inputEnded)) {
      return;
    }
    FeatureBatch candidates = WaitingSamples.joined(source);
    FeatureBatch fitOn = available <= wanted ? candidates : candidates.slice(0, wanted);
    fitOn.streamId = streamId;
    if (warmup.topic() != null && source == held) {
      String message = LearnerFunction.fallbackWarning(learner.name(), streamId, warmup.topic(), fitOn.size());
      LOG.warn(message);
      ctx.output(OutputTags.ALERTS, Alert.newBuilder().setStreamId(streamId).setLearner(learner.name())
          .setSeverity(AlertSeverity.WARNING).setMessage(message).setModelVersion(0).setSamplesSeen(0)
          .setOccurredAt(Instant.ofEpochMilli(fitOn.eventTimes[0])).build());
    }
    fitOn.control = FeatureBatch.WARM_UP;
    for (int shard = 0; shard < shards; shard++) {
      fitOn.shard = shard; // one batch for all: each record is serialised as it is sent
      out.collect(fitOn);
    }
    warmedUp.update(true);
    warmupSamples.clear();
    FeatureBatch waiting = source == held ? candidates : WaitingSamples.joined(held);
    held.clear();
    if (waiting != null) {
      waiting.control = null;
      waiting.shard = -1;
      route(waiting, cuts, out);
    }
  }

  /** Sends each sample to its shard, cutting a version wherever the single-subtask learner would publish one. */
  private void route(FeatureBatch batch, PublishProgress cuts, Collector<FeatureBatch> out) {
    int from = 0;
    for (int i = 0; i < batch.size(); i++) {
      if (publish.atTaskEnd() && cuts.opensNewTask(batch, i) && cuts.hasUnpublished()) {
        send(batch, from, i, out);
        cut(batch.streamId, PublishProgress.Trigger.TASK_END, cuts, out);
        from = i;
      }
      cuts.tookIn(batch, i);
      if (cuts.labelledSincePublish >= publish.everyLabelled()) {
        send(batch, from, i + 1, out);
        cut(batch.streamId, PublishProgress.Trigger.INTERVAL, cuts, out);
        from = i + 1;
      }
    }
    send(batch, from, batch.size(), out);
  }

  /** Rows {@code [from, to)} of {@code batch}, one batch per shard that has any, in stream order. */
  private void send(FeatureBatch batch, int from, int to, Collector<FeatureBatch> out) {
    int[][] rows = new int[shards][to - from];
    int[] counts = new int[shards];
    for (int i = from; i < to; i++) {
      int shard = (int) Math.floorMod(batch.sequences[i], (long) shards);
      rows[shard][counts[shard]++] = i;
    }
    for (int shard = 0; shard < shards; shard++) {
      if (counts[shard] > 0) {
        FeatureBatch part = batch.rows(Arrays.copyOf(rows[shard], counts[shard]));
        part.shard = shard;
        out.collect(part);
      }
    }
  }

  private void cut(String streamId, PublishProgress.Trigger trigger, PublishProgress cuts,
      Collector<FeatureBatch> out) {
    for (int shard = 0; shard < shards; shard++) {
      out.collect(FeatureBatch.cut(streamId, 0, shard, trigger.name()));
    }
    cuts.nextVersion();
  }
}
