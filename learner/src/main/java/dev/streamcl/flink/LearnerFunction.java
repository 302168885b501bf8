package dev.streamcl.flink;

import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.StateCodec;
import dev.streamcl.learner.StateSchema;
import dev.streamcl.learner.Warmup;
import dev.streamcl.onnx.ComputeDevice;
import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs any {@link ContinualLearner} on a stream keyed by stream id: test-then-train in the learner's
 * minibatches (cut at task boundaries too), prequential predictions, and versions published every
 * {@code publishEvery} labelled samples, at task ends and when the input ends — snapshots or deltas,
 * cut into chunks. Samples wait in keyed state until a minibatch fills (or the learner's warm-up is
 * done); the learner's state lives in keyed state under its versioned schema; its kernels are cached
 * per kernel key and closed on eviction and in {@link #close()}.
 *
 * <p>As one of the subtasks a stream is spread over ({@link #shard}), it learns the samples {@link StreamShards}
 * sends it and, at each cut, hands its state to {@link ShardMerge} instead of publishing.
 */
public final class LearnerFunction<S, K extends AutoCloseable>
    extends KeyedProcessFunction<String, FeatureBatch, Prediction> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(LearnerFunction.class);
  /** Kernels kept open per subtask; streams beyond it rebuild theirs from state when they come back. */
  static final int KERNEL_CACHE_CAPACITY = 32;

  private final ContinualLearner<S, K> learner;
  private final PublishPolicy publish;
  private final ComputeDevice device;
  private final WarmupSupply warmupSupply;
  private final boolean sharded;

  private transient ValueState<S> model;
  private transient ValueState<PublishProgress> progress;
  private transient ListState<FeatureBatch> waiting;
  private transient ListState<FeatureBatch> warmupSamples;
  private transient KernelCache<K> kernels;
  private transient LearnerBusyTime busyTime;
  private transient VersionPublisher publisher;
  private transient Counter quarantinedSamples;
  private transient StateCodec<S> stateCodec;
  private transient StateCodec<PublishProgress> progressCodec;

  public LearnerFunction(ContinualLearner<S, K> learner, PublishPolicy publish, ComputeDevice device) {
    this(learner, publish, device, WarmupSupply.UNCOUNTED);
  }

  /** {@code warmupSupply}: the warm-up samples each stream had in the learner's warm-up topic at job start. */
  public LearnerFunction(ContinualLearner<S, K> learner, PublishPolicy publish, ComputeDevice device,
      WarmupSupply warmupSupply) {
    this(learner, publish, device, warmupSupply, false);
  }

  private LearnerFunction(ContinualLearner<S, K> learner, PublishPolicy publish, ComputeDevice device,
      WarmupSupply warmupSupply, boolean sharded) {
    this.learner = learner;
    this.publish = publish;
    this.device = device;
    this.warmupSupply = warmupSupply;
    this.sharded = sharded;
  }

  /**
   * One of the subtasks a stream is spread over: it never publishes on its own, but closes a version where
   * {@link StreamShards} cuts one and sends its state to {@link ShardMerge}.
   */
  public static <S, K extends AutoCloseable> LearnerFunction<S, K> shard(ContinualLearner<S, K> learner,
      ComputeDevice device) {
    return new LearnerFunction<>(learner, new PublishPolicy(Integer.MAX_VALUE, false), device, WarmupSupply.UNCOUNTED,
        true);
  }

  /** The keyed state holding a learner's model, under its versioned schema. */
  static <S> ValueStateDescriptor<S> modelState(StateSchema<S> schema) {
    return new ValueStateDescriptor<>("model", new VersionedStateSerializer<>(schema));
  }

  @Override
  public void open(OpenContext openContext) {
    model = getRuntimeContext().getState(modelState(learner.stateSchema()));
    progress = getRuntimeContext().getState(new ValueStateDescriptor<>("publish-progress",
        new VersionedStateSerializer<>(new PublishProgressSchema())));
    waiting = getRuntimeContext().getListState(
        new ListStateDescriptor<>("waiting-samples", TypeInformation.of(FeatureBatch.class)));
    warmupSamples = getRuntimeContext().getListState(
        new ListStateDescriptor<>("warmup-samples", TypeInformation.of(FeatureBatch.class)));
    kernels = new KernelCache<>(KERNEL_CACHE_CAPACITY);
    busyTime = LearnerBusyTime.register(getRuntimeContext(), learner.name());
    publisher = VersionPublisher.register(getRuntimeContext(), learner.name());
    quarantinedSamples = getRuntimeContext().getMetricGroup().counter("quarantinedSamples");
    if (sharded) {
      stateCodec = new StateCodec<>(learner.stateSchema());
      progressCodec = new StateCodec<>(new PublishProgressSchema());
    }
  }

  @Override
  public void processElement(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    busyTime.time(batch.size(), () -> isolated(ctx, batch, () -> takeIn(batch, ctx, out)));
  }

  /** Fires when the input ends (the final watermark): warm up with what there is, learn what waits, publish. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
    busyTime.time(0, () -> isolated(ctx, null, () -> {
      if (progress.value() == null) {
        return;
      }
      Step step = new Step(ctx, out);
      step.warmUpIfReady(true);
      step.learnWaiting(true);
      if (step.state != null && !sharded) {
        step.publishIfLearned(PublishProgress.Trigger.INPUT_END);
      }
      step.save();
    }));
  }

  /**
   * One stream's failure stays its own: when the learner throws on a stream's samples, it stops
   * learning that stream (quarantine, kept in state), says so on the alerts side output, and every
   * other stream and learner goes on. Samples of a quarantined stream are counted, not learned; a quarantined
   * shard tells the merge at every cut, so the stream's other shards are not waited for.
   */
  private void isolated(Context ctx, FeatureBatch batch, LearnerBusyTime.Work work) throws Exception {
    PublishProgress published = progress.value();
    if (published == null || published.quarantined == null) {
      try {
        work.run();
        return;
      } catch (LearnerFailure e) {
        quarantine(ctx, (RuntimeException) e.getCause());
        published = progress.value();
      }
    }
    quarantinedSamples.inc(batch == null ? 0 : batch.size());
    if (sharded && batch != null && batch.isCut()) {
      ShardState part = new ShardState(streamId(ctx), batch.shard, published.version + 1, batch.control);
      part.quarantined = published.quarantined;
      ctx.output(OutputTags.SHARD_STATES, part);
    }
  }

  /**
   * What the learner plug-in threw, as opposed to Flink's runtime (a task being cancelled fails its
   * output collector): only the learner's own failures quarantine a stream.
   */
  private static final class LearnerFailure extends RuntimeException {
    LearnerFailure(RuntimeException cause) {
      super(cause);
    }
  }

  private static <T> T guarded(Supplier<T> learnerCall) {
    try {
      return learnerCall.get();
    } catch (RuntimeException e) {
      throw new LearnerFailure(e);
    }
  }

  private void quarantine(Context ctx, RuntimeException error) throws Exception {
    PublishProgress published = progress.value() == null ? new PublishProgress() : progress.value();
    published.quarantined = error.getClass().getSimpleName() + ": " + error.getMessage();
    progress.update(published);
    String message = learner.name() + " stopped learning stream " + streamId(ctx) + " after version "
        + published.version + " because its samples made it fail (" + published.quarantined + "). The other "
        + "streams and learners go on; this stream's later samples are counted, not learned by " + learner.name()
        + ", until the job starts from state taken before the failure or from fresh state.";
    LOG.warn(message, error);
    ctx.output(OutputTags.ALERTS, published.alert(streamId(ctx), learner.name(), AlertSeverity.QUARANTINED,
        message));
  }

  /** What a person should know when a learner fitted its warm-up on the stream because its topic held nothing. */
  static String fallbackWarning(String learner, String streamId, String topic, int samples) {
    return learner + " on stream " + streamId + ": " + topic + " held no warm-up samples for this stream, so it "
        + "fitted on the stream's own first " + samples + " samples; publish unlabelled samples of every class there "
        + "(streamcl publish --key-init-samples N) before the job starts to fit on the whole input distribution.";
  }

  /** The stream the current key belongs to (the key itself, unless this is one of a stream's shards). */
  private String streamId(Context ctx) {
    return ShardKeys.streamOf(ctx.getCurrentKey());
  }

  @Override
  public void close() throws Exception {
    if (kernels != null) {
      kernels.close();
    }
  }

  private void takeIn(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    if (progress.value() == null) {
      progress.update(new PublishProgress());
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    Step step = new Step(ctx, out);
    if (step.state == null && learner.warmup() == null && batch.size() > 0) {
      step.state = guarded(() -> learner.initialState(batch.dim));
    }
    Warmup<S> warmup = learner.warmup();
    if (batch.control != null) {
      step.control(batch);
    } else if (warmup != null && warmup.topic() != null && warmup.topic().equals(batch.topic)) {
      if (step.state == null) {
        warmupSamples.add(batch);
        step.warmUpIfReady(false);
        step.learnWaiting(false);
      }
    } else if (learner.minibatch() == 0 && step.state != null) {
      step.learn(batch, false); // exact per sample: nothing needs to wait
    } else {
      waiting.add(batch);
      step.warmUpIfReady(false);
      step.learnWaiting(false);
    }
    step.save();
  }

  /** One call's work on the current key: its state read once, written back by {@link #save()}. */
  private final class Step {
    private final Context ctx;
    private final Collector<Prediction> out;
    private final PublishProgress published;
    private S state;

    Step(Context ctx, Collector<Prediction> out) throws Exception {
      this.ctx = ctx;
      this.out = out;
      this.published = progress.value();
      this.state = model.value();
    }

    void save() throws Exception {
      model.update(state);
      progress.update(published);
    }

    /**
     * Fits the learner's initial state once enough warm-up samples arrived (or the input ended with some): from
     * its warm-up topic, up to what the topic held for this stream at job start; from the stream itself when
     * the topic held none for it (or the input ended before any came), said on the alerts output.
     */
    void warmUpIfReady(boolean inputEnded) throws Exception {
      Warmup<S> warmup = learner.warmup();
      if (state != null || warmup == null || sharded) {
        return;
      }
      int wanted = warmup.samplesWanted();
      ListState<FeatureBatch> candidates = warmup.topic() == null ? waiting : warmupSamples;
      boolean fallback = false;
      if (warmup.topic() != null) {
        int supplied = warmupSupply.samples(warmup.topic(), ctx.getCurrentKey());
        fallback = supplied == 0 || (inputEnded && WaitingSamples.count(warmupSamples) == 0);
        candidates = fallback ? waiting : warmupSamples;
        wanted = supplied > 0 ? Math.min(wanted, supplied) : wanted;
      }
      int available = WaitingSamples.count(candidates);
      if (available == 0 || (available < wanted && !inputEnded)) {
        return;
      }
      if (fallback) {
        warn(fallbackWarning(learner.name(), ctx.getCurrentKey(), warmup.topic(), Math.min(wanted, available)));
      }
      fit(WaitingSamples.joined(candidates), wanted);
      warmupSamples.clear();
    }

    /** The learner's initial state fitted on the first {@code wanted} of {@code samples}. */
    private void fit(FeatureBatch samples, int wanted) {
      Warmup<S> warmup = learner.warmup();
      FeatureBatch fitOn = samples.size() <= wanted ? samples : samples.slice(0, wanted);
      state = guarded(() -> warmup.fit(fitOn));
      String shortfall = guarded(() -> warmup.shortfall(fitOn.size()));
      if (shortfall != null) {
        warn(learner.name() + " on stream " + streamId(ctx) + ": " + shortfall);
      }
    }

    /**
     * What the stream's {@link StreamShards} tells this shard: fit the warm-up on the samples every shard gets, or
     * close a version — learn every sample that waits (a partial minibatch too) and hand the state to the merge.
     */
    void control(FeatureBatch batch) throws Exception {
      if (batch.isWarmup()) {
        if (state == null && learner.warmup() != null) {
          fit(batch, learner.warmup().samplesWanted());
        }
        learnWaiting(false);
        return;
      }
      learnWaiting(true);
      published.nextVersion();
      ShardState part = new ShardState(streamId(ctx), batch.shard, published.version, batch.control);
      part.progress = progressCodec.encode(published);
      part.state = state == null ? null : stateCodec.encode(state);
      ctx.output(OutputTags.SHARD_STATES, part);
      if (state != null && learner.deltas() != null) {
        guarded(() -> {
          learner.deltas().published(state); // the merged version's delta is the rows any shard changed since
          return null;
        });
      }
    }

    private void warn(String message) {
      LOG.warn(message);
      ctx.output(OutputTags.ALERTS, published.alert(ctx.getCurrentKey(), learner.name(), AlertSeverity.WARNING,
          message));
    }

    /** Learns every complete minibatch that waits; a partial one waits unless the input ended. */
    void learnWaiting(boolean inputEnded) throws Exception {
      int available = WaitingSamples.count(waiting);
      boolean cutAtTasks = publish.atTaskEnd();
      if (state == null || available == 0 || (available < learner.minibatch() && !inputEnded
          && !(cutAtTasks && WaitingSamples.holdBoundary(waiting, published.highestTask)))) {
        return;
      }
      FeatureBatch pending = WaitingSamples.joined(waiting);
      int learned = learn(pending, inputEnded);
      waiting.update(learned == pending.size() ? List.of() : List.of(pending.slice(learned, pending.size())));
    }

    /** Test-then-train on {@code pending}, piece by piece; returns the rows learned. */
    int learn(FeatureBatch pending, boolean inputEnded) throws Exception {
      int from = 0;
      Object kernelKey = guarded(() -> learner.kernelKey(ctx.getCurrentKey(), state));
      K kernel = kernels.get(kernelKey, () -> guarded(() -> learner.openKernel(state, device)));
      while (from < pending.size()) {
        if (publish.atTaskEnd() && published.opensNewTask(pending, from)) {
          publishIfLearned(PublishProgress.Trigger.TASK_END);
        }
        int end = pieceEnd(pending, from);
        boolean complete = learner.minibatch() == 0 || end - from == learner.minibatch() || end < pending.size()
            || inputEnded;
        if (!complete) {
          break;
        }
        FeatureBatch piece = from == 0 && end == pending.size() ? pending : pending.slice(from, end);
        Predictions predictions = guarded(() -> learner.testThenTrain(kernel, state, piece));
        PredictionEvents.emitAndCount(out, piece, predictions, learner.name(), published);
        if (published.labelledSincePublish >= publish.everyLabelled()) {
          publish(PublishProgress.Trigger.INTERVAL);
        }
        from = end;
      }
      return from;
    }

    /** A minibatch, or for per-sample learners up to the next publish; never across a task boundary. */
    private int pieceEnd(FeatureBatch pending, int from) {
      int end = publish.atTaskEnd()
          ? WaitingSamples.nextTaskStart(pending, from, published.highestTask)
          : pending.size();
      return learner.minibatch() > 0 ? Math.min(end, from + learner.minibatch())
          : Math.min(end, WaitingSamples.afterLabelled(pending, from,
              publish.everyLabelled() - published.labelledSincePublish));
    }

    void publishIfLearned(PublishProgress.Trigger trigger) {
      if (published.hasUnpublished()) {
        publish(trigger);
      }
    }

    private void publish(PublishProgress.Trigger trigger) {
      for (ModelUpdate chunk : guarded(() -> publisher.publish(learner, state, published, ctx.getCurrentKey(),
          trigger))) {
        ctx.output(OutputTags.MODEL_UPDATES, chunk);
      }
    }
  }
}
