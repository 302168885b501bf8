package dev.streamcl.flink;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.nmc.NearestClassMean;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.Collector;

/**
 * Nearest-class-mean learner for one stream (the key). Test-then-train: every sample of a batch is
 * predicted by the model of all samples before it (one ONNX kernel call per batch), the prediction
 * is emitted, then labelled samples are learned in order. A model snapshot is published every
 * {@code publishEvery} labelled samples, before the first sample of a new task, and when the input ends.
 */
public final class NearestClassMeanFunction extends LearnerFunction {

  private final PublishPolicy publish;
  private final ComputeDevice device;
  private final EncoderIdentity encoder;

  private transient ValueState<ClassMeanState> model;
  private transient ValueState<PublishProgress> progress;
  private transient NearestClassMean kernel;

  public NearestClassMeanFunction(PublishPolicy publish, ComputeDevice device, EncoderIdentity encoder) {
    this.publish = publish;
    this.device = device;
    this.encoder = encoder;
  }

  @Override
  protected String learnerName() {
    return NearestClassMeanModel.LEARNER;
  }

  @Override
  public void open(OpenContext openContext) {
    super.open(openContext);
    model = getRuntimeContext().getState(new ValueStateDescriptor<>("class-means", TypeInformation.of(ClassMeanState.class)));
    progress = getRuntimeContext().getState(new ValueStateDescriptor<>("publish-progress", PublishProgress.class));
    kernel = new NearestClassMean(encoder.getOutputDim(), device);
  }

  @Override
  protected void takeIn(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    ClassMeanState state = model.value();
    PublishProgress published = progress.value();
    if (published == null) {
      state = new ClassMeanState(batch.dim);
      published = new PublishProgress();
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    Predictions predictions = kernel.predictThenNormalize(state, batch.features, batch.size(), batch.labels);
    for (int i = 0; i < batch.size(); i++) {
      if (publish.atTaskEnd() && published.opensNewTask(batch, i)) {
        publishIfLearned(ctx, state, published, PublishProgress.Trigger.TASK_END);
      }
      out.collect(PredictionEvents.of(batch, i, predictions, NearestClassMeanModel.LEARNER, published.version));
      learn(state, published, batch, i, predictions);
      if (published.labelledSincePublish >= publish.everyLabelled()) {
        publish(ctx, state, published, PublishProgress.Trigger.INTERVAL);
      }
    }
    model.update(state);
    progress.update(published);
  }

  /** Fires when the input ends (the final watermark): publish whatever was learned since the last publish. */
  @Override
  protected void finishInput(OnTimerContext ctx, Collector<Prediction> out) throws Exception {
    PublishProgress published = progress.value();
    if (published != null) {
      publishIfLearned(ctx, model.value(), published, PublishProgress.Trigger.INPUT_END);
      progress.update(published);
    }
  }

  @Override
  public void close() {
    if (kernel != null) {
      kernel.close();
    }
  }

  private static void learn(ClassMeanState state, PublishProgress published, FeatureBatch batch, int i,
      Predictions predictions) {
    if (batch.labels[i] >= 0) {
      state.add(predictions.features(), predictions.featureOffset(i), batch.labels[i]);
    } else {
      state.countUnlabelled(1);
    }
    published.tookIn(batch, i);
  }

  private void publishIfLearned(Context ctx, ClassMeanState state, PublishProgress published,
      PublishProgress.Trigger trigger) {
    if (published.hasUnpublished()) {
      publish(ctx, state, published, trigger);
    }
  }

  private void publish(Context ctx, ClassMeanState state, PublishProgress published, PublishProgress.Trigger trigger) {
    long version = published.nextVersion();
    ModelUpdate snapshot = NearestClassMeanModel.of(state, encoder).toSnapshot(ctx.getCurrentKey(), version,
        state.samplesSeen(), state.labelledSeen(), published.sourceOffsets(), published.createdAt());
    for (ModelUpdate chunk : ModelUpdateChunks.split(published.annotate(snapshot, trigger), ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES)) {
      ctx.output(OutputTags.MODEL_UPDATES, chunk);
    }
  }
}
