package dev.streamcl.flink;

import dev.streamcl.events.Alert;
import dev.streamcl.events.AlertSeverity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.DeltaPublishing;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.learner.StateSchema;
import dev.streamcl.learner.Warmup;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Instant;
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

  private transient ValueState<S> model;
  private transient ValueState<PublishProgress> progress;
  private transient ListState<FeatureBatch> waiting;
  private transient ListState<FeatureBatch> warmupSamples;
  private transient KernelCache<K> kernels;
  private transient LearnerBusyTime busyTime;
  private transient Counter quarantinedSamples;

  public LearnerFunction(ContinualLearner<S, K> learner, PublishPolicy publish, ComputeDevice device) {
    this(learner, publish, device, WarmupSupply.UNCOUNTED);
  }

  /** {@code warmupSupply}: the warm-up samples each stream had in the learner's warm-up topic at job start. */
  public LearnerFunction(ContinualLearner<S, K> learner, PublishPolicy publish, ComputeDevice device,
      WarmupSupply warmupSupply) {
    this.learner = learner;
    this.publish = publish;
    this.device = device;
    this.warmupSupply = warmupSupply;
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
    quarantinedSamples = getRuntimeContext().getMetricGroup().counter("quarantinedSamples");
  }

  @Override
  public void processElement(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    busyTime.time(batch.size(), () -> isolated(ctx, batch.size(), () -> takeIn(batch, ctx, out)));
  }

  /** Fires when the input ends (the final watermark): warm up with what there is, learn what waits, publish. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
    busyTime.time(0, () -> isolated(ctx, 0, () -> {
      if (progress.value() == null) {
        return;
      }
      Step step = new Step(ctx, out);
      step.warmUpIfReady(true);
      step.learnWaiting(true);
      if (step.state != null) {
        step.publishIfLearned(PublishProgress.Trigger.INPUT_END);
      }
      step.save();
    }));
  }

  /**
   * One stream's failure stays its own: when the learner throws on a stream's samples, it stops
   * learning that stream (quarantine, kept in state), says so on the alerts side output, and every
   * other stream and learner goes on. Samples of a quarantined stream are counted, not learned.
   */
  private void isolated(Context ctx, int samples, LearnerBusyTime.Work work) throws Exception {
    PublishProgress published = progress.value();
    if (published != null && published.quarantined != null) {
      quarantinedSamples.inc(samples);
      return;
    }
    try {
      work.run();
    } catch (LearnerFailure e) {
      quarantine(ctx, (RuntimeException) e.getCause());
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
    String message = learner.name() + " stopped learning stream " + ctx.getCurrentKey() + " after version "
        + published.version + " because its samples made it fail (" + published.quarantined + "). The other "
        + "streams and learners go on; this stream's later samples are counted, not learned by " + learner.name()
        + ", until the job starts from state taken before the failure or from fresh state.";
    LOG.warn(message, error);
    ctx.output(OutputTags.ALERTS, alert(ctx.getCurrentKey(), AlertSeverity.QUARANTINED, message, published));
  }

  private Alert alert(String streamId, AlertSeverity severity, String message, PublishProgress published) {
    return Alert.newBuilder().setStreamId(streamId).setLearner(learner.name()).setSeverity(severity)
        .setMessage(message).setModelVersion(published.version).setSamplesSeen(published.samplesSeen)
        .setOccurredAt(Instant.ofEpochMilli(published.newestEventTime)).build();
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
      model.update(guarded(() -> learner.initialState(batch.dim)));
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    Step step = new Step(ctx, out);
    Warmup<S> warmup = learner.warmup();
    if (warmup != null && warmup.topic() != null && warmup.topic().equals(batch.topic)) {
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
      if (state != null || warmup == null) {
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
      FeatureBatch source = WaitingSamples.joined(candidates);
      FeatureBatch fitOn = source.slice(0, Math.min(wanted, source.size()));
      state = guarded(() -> warmup.fit(fitOn));
      warmupSamples.clear();
      if (fallback) {
        warn(learner.name() + " on stream " + ctx.getCurrentKey() + ": " + warmup.topic() + " held no warm-up "
            + "samples for this stream, so it fitted on the stream's own first " + fitOn.size() + " samples; "
            + "publish unlabelled samples of every class there (streamcl publish --key-init-samples N) before the "
            + "job starts to fit on the whole input distribution.");
      }
      String shortfall = guarded(() -> warmup.shortfall(fitOn.size()));
      if (shortfall != null) {
        warn(learner.name() + " on stream " + ctx.getCurrentKey() + ": " + shortfall);
      }
    }

    private void warn(String message) {
      LOG.warn(message);
      ctx.output(OutputTags.ALERTS, alert(ctx.getCurrentKey(), AlertSeverity.WARNING, message, published));
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
      Publication publication = published.publication(ctx.getCurrentKey(), published.nextVersion());
      DeltaPublishing<S> deltas = learner.deltas();
      boolean snapshot = deltas == null || publication.version() == 1
          || published.deltasSinceSnapshot >= deltas.snapshotEvery();
      ModelUpdate update = guarded(() -> snapshot ? learner.snapshot(state, publication)
          : deltas.delta(state, publication));
      if (deltas != null) {
        published.deltasSinceSnapshot = snapshot ? 0 : published.deltasSinceSnapshot + 1;
        guarded(() -> {
          deltas.published(state);
          return null;
        });
      }
      ModelUpdate annotated = ModelUpdateChunks.withPortableModelDigest(published.annotate(update, trigger));
      for (ModelUpdate chunk : ModelUpdateChunks.split(annotated, ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES)) {
        ctx.output(OutputTags.MODEL_UPDATES, chunk);
      }
    }
  }
}
