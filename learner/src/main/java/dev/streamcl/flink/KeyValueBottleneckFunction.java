package dev.streamcl.flink;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.kvb.EmaKMeans;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckKernel;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.onnx.ComputeDevice;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.Collector;

/**
 * Key-value bottleneck learner for one stream (Träuble et al., ICML 2023). Keys are fitted by EMA
 * k-means on the first {@code keyInitSamples} unlabelled inputs (of the stream, or of a key-init
 * topic) and frozen; samples wait until then and are learned afterwards. Training runs in fixed
 * minibatches, test-then-train per minibatch. The first version is a full snapshot; later ones are
 * deltas of the touched value rows, with a snapshot every {@code snapshotEvery} deltas.
 */
public final class KeyValueBottleneckFunction extends LearnerFunction {
  /** Key initialisation feeds EMA k-means in fixed chunks, independent of micro-batching. */
  private static final int KMEANS_CHUNK = 256;

  private final KvbSettings settings;
  private final PublishPolicy publish;
  private final ComputeDevice device;
  private final EncoderIdentity encoder;

  private transient ValueState<KeyValueBottleneck> bottleneck;
  /** Samples not yet learned, in arrival order: appending is O(1), they are joined once when used. */
  private transient ListState<FeatureBatch> waiting;
  private transient ListState<FeatureBatch> keyInitSamples;
  private transient ValueState<PublishProgress> progress;
  private transient Map<String, KeyValueBottleneckKernel> kernels;

  public KeyValueBottleneckFunction(KvbSettings settings, PublishPolicy publish, ComputeDevice device,
      EncoderIdentity encoder) {
    this.settings = settings;
    this.publish = publish;
    this.device = device;
    this.encoder = encoder;
  }

  @Override
  protected String learnerName() {
    return KeyValueBottleneckModel.LEARNER;
  }

  @Override
  public void open(OpenContext openContext) {
    super.open(openContext);
    bottleneck = getRuntimeContext().getState(
        new ValueStateDescriptor<>("bottleneck", TypeInformation.of(KeyValueBottleneck.class)));
    waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting-samples", FeatureBatch.class));
    keyInitSamples = getRuntimeContext().getListState(new ListStateDescriptor<>("key-init-samples", FeatureBatch.class));
    progress = getRuntimeContext().getState(new ValueStateDescriptor<>("publish-progress", PublishProgress.class));
    kernels = new HashMap<>();
  }

  @Override
  protected void takeIn(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    if (progress.value() == null) {
      progress.update(new PublishProgress());
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    if (isKeyInit(batch)) {
      if (bottleneck.value() == null) {
        keyInitSamples.add(batch);
        freezeKeysWhenEnoughSamples(false);
        trainMinibatches(ctx, out, false);
      }
      return;
    }
    waiting.add(batch);
    if (bottleneck.value() == null) {
      freezeKeysWhenEnoughSamples(false);
    }
    trainMinibatches(ctx, out, false);
  }

  /** End of input: freeze keys with what there is, learn what waits, publish what was learned. */
  @Override
  protected void finishInput(OnTimerContext ctx, Collector<Prediction> out) throws Exception {
    if (bottleneck.value() == null) {
      freezeKeysWhenEnoughSamples(true);
    }
    trainMinibatches(ctx, out, true);
    PublishProgress published = progress.value();
    if (bottleneck.value() != null) {
      publishIfLearned(ctx, bottleneck.value(), published, PublishProgress.Trigger.INPUT_END);
      progress.update(published);
    }
  }

  @Override
  public void close() {
    kernels.values().forEach(KeyValueBottleneckKernel::close);
    kernels.clear();
  }

  private boolean isKeyInit(FeatureBatch batch) {
    return settings.keyInitTopic() != null && settings.keyInitTopic().equals(batch.topic);
  }

  private void freezeKeysWhenEnoughSamples(boolean inputEnded) throws Exception {
    ListState<FeatureBatch> candidates = settings.keyInitTopic() == null ? waiting : keyInitSamples;
    if (settings.keyInitTopic() != null && inputEnded && FixedMinibatches.count(keyInitSamples) == 0) {
      candidates = waiting; // No key-init topic data arrived: fall back to the stream itself.
    }
    int wanted = settings.config().keyInitSamples();
    int available = FixedMinibatches.count(candidates);
    if (available == 0 || (available < wanted && !inputEnded)) {
      return;
    }
    FeatureBatch source = FixedMinibatches.joined(candidates);
    FeatureBatch fitOn = source.slice(0, Math.min(wanted, source.size()));
    EmaKMeans kMeans = new EmaKMeans(settings.config(), fitOn.dim);
    for (int from = 0; from < fitOn.size(); from += KMEANS_CHUNK) {
      FeatureBatch chunk = fitOn.slice(from, Math.min(from + KMEANS_CHUNK, fitOn.size()));
      kMeans.feed(chunk.features, chunk.size());
    }
    bottleneck.update(kMeans.freeze());
    keyInitSamples.clear();
  }

  private void trainMinibatches(Context ctx, Collector<Prediction> out, boolean inputEnded) throws Exception {
    KeyValueBottleneck state = bottleneck.value();
    if (state == null) {
      return;
    }
    PublishProgress published = progress.value();
    KeyValueBottleneckKernel kernel = kernelFor(ctx.getCurrentKey(), state);
    FixedMinibatches.TaskEnd taskEnd = publish.atTaskEnd()
        ? () -> publishIfLearned(ctx, state, published, PublishProgress.Trigger.TASK_END) : null;
    FixedMinibatches.drain(waiting, settings.trainBatch(), inputEnded, published, taskEnd, minibatch -> {
      Predictions predictions = kernel.trainStep(state, minibatch.features, minibatch.size(), minibatch.labels);
      PredictionEvents.emitAndCount(out, minibatch, predictions, KeyValueBottleneckModel.LEARNER, published);
      if (published.labelledSincePublish >= publish.everyLabelled()) {
        publish(ctx, state, published, PublishProgress.Trigger.INTERVAL);
      }
    });
    bottleneck.update(state);
    progress.update(published);
  }

  private void publishIfLearned(Context ctx, KeyValueBottleneck state, PublishProgress published,
      PublishProgress.Trigger trigger) {
    if (published.hasUnpublished()) {
      publish(ctx, state, published, trigger);
    }
  }

  private void publish(Context ctx, KeyValueBottleneck state, PublishProgress published,
      PublishProgress.Trigger trigger) {
    long version = published.nextVersion();
    boolean snapshot = version == 1 || published.deltasSinceSnapshot >= settings.snapshotEvery();
    ModelUpdate update = snapshot
        ? KeyValueBottleneckModel.snapshot(ctx.getCurrentKey(), version, state, encoder, published.sourceOffsets(),
            published.createdAt())
        : KeyValueBottleneckModel.delta(ctx.getCurrentKey(), version, version - 1, state, encoder,
            published.sourceOffsets(), published.createdAt());
    published.deltasSinceSnapshot = snapshot ? 0 : published.deltasSinceSnapshot + 1;
    state.clearTouchedRows();
    for (ModelUpdate chunk : ModelUpdateChunks.split(published.annotate(update, trigger), ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES)) {
      ctx.output(OutputTags.MODEL_UPDATES, chunk);
    }
  }

  /** The kernel holds the stream's frozen keys as constants; built once per stream and task. */
  private KeyValueBottleneckKernel kernelFor(String streamId, KeyValueBottleneck state) {
    return kernels.computeIfAbsent(streamId, s -> new KeyValueBottleneckKernel(state, device));
  }
}
