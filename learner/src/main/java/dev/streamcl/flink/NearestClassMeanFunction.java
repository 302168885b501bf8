package dev.streamcl.flink;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.LabelScore;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.nmc.NearestClassMean;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Nearest-class-mean learner for one stream (the key). Test-then-train: every sample of a batch is
 * predicted by the model of all samples before it (one ONNX kernel call per batch), the prediction
 * is emitted, then labelled samples are learned in order. A model snapshot is published every
 * {@code publishEvery} labelled samples and once more when the input ends.
 */
public final class NearestClassMeanFunction extends KeyedProcessFunction<String, FeatureBatch, Prediction> {
  /** Snapshots larger than this are chunked; below the default 1 MiB Kafka message limit. */
  static final int MAX_TENSOR_BYTES_PER_MESSAGE = 512 * 1024;

  private final int publishEvery;
  private final ComputeDevice device;
  private final EncoderIdentity encoder;

  private transient ValueState<ClassMeanState> model;
  private transient ValueState<PublishProgress> progress;
  private transient NearestClassMean kernel;

  public NearestClassMeanFunction(int publishEvery, ComputeDevice device, EncoderIdentity encoder) {
    this.publishEvery = publishEvery;
    this.device = device;
    this.encoder = encoder;
  }

  @Override
  public void open(OpenContext openContext) {
    model = getRuntimeContext().getState(new ValueStateDescriptor<>("class-means", TypeInformation.of(ClassMeanState.class)));
    progress = getRuntimeContext().getState(new ValueStateDescriptor<>("publish-progress", PublishProgress.class));
    kernel = new NearestClassMean(encoder.getOutputDim(), device);
  }

  @Override
  public void processElement(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    ClassMeanState state = model.value();
    PublishProgress published = progress.value();
    if (published == null) {
      state = new ClassMeanState(batch.dim);
      published = new PublishProgress();
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    Predictions predictions = kernel.predictThenNormalize(state, batch.features, batch.size(), batch.labels);
    for (int i = 0; i < batch.size(); i++) {
      out.collect(prediction(batch, i, predictions, published.version));
      learn(state, published, batch, i, predictions);
      if (published.labelledSincePublish >= publishEvery) {
        publish(ctx, state, published);
      }
    }
    model.update(state);
    progress.update(published);
  }

  /** Fires when the input ends (the final watermark): publish whatever was learned since the last publish. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
    PublishProgress published = progress.value();
    if (published != null && published.hasUnpublished()) {
      publish(ctx, model.value(), published);
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
      published.labelledSincePublish++;
    } else {
      state.countUnlabelled(1);
    }
    published.samplesSincePublish++;
    published.newestEventTime = Math.max(published.newestEventTime, batch.eventTimes[i]);
    published.offsets.merge(batch.partitions[i], batch.offsets[i], Math::max);
    published.topic = batch.topic;
  }

  private void publish(Context ctx, ClassMeanState state, PublishProgress published) {
    published.version++;
    // createdAt is the newest learned event time, not the wall clock, so replays give identical bytes.
    ModelUpdate snapshot = NearestClassMeanModel.of(state, encoder).toSnapshot(ctx.getCurrentKey(),
        published.version, state.samplesSeen(), state.labelledSeen(), sourceOffsets(published),
        Instant.ofEpochMilli(published.newestEventTime));
    for (ModelUpdate chunk : ModelUpdateChunks.split(snapshot, MAX_TENSOR_BYTES_PER_MESSAGE)) {
      ctx.output(OutputTags.MODEL_UPDATES, chunk);
    }
    published.labelledSincePublish = 0;
    published.samplesSincePublish = 0;
  }

  private static List<SourceOffset> sourceOffsets(PublishProgress published) {
    List<SourceOffset> offsets = new ArrayList<>();
    published.offsets.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> offsets.add(new SourceOffset(published.topic, e.getKey(), e.getValue())));
    return offsets;
  }

  private static Prediction prediction(FeatureBatch batch, int i, Predictions predictions, long version) {
    List<LabelScore> top = new ArrayList<>();
    int[] labels = predictions.topLabels(i);
    float[] scores = predictions.topScores(i);
    for (int k = 0; k < labels.length; k++) {
      top.add(new LabelScore(labels[k], scores[k]));
    }
    return Prediction.newBuilder()
        .setStreamId(batch.streamId)
        .setSequence(batch.sequences[i])
        .setSource(PredictionSource.PREQUENTIAL)
        .setLearner(NearestClassMeanModel.LEARNER)
        .setModelVersion(version)
        .setPredictedLabel(predictions.hasPrediction(i) ? predictions.predictedLabel(i) : null)
        .setTopScores(top)
        .setTrueLabel(batch.labels[i] >= 0 ? batch.labels[i] : null)
        .setTaskId(batch.taskIds[i] >= 0 ? batch.taskIds[i] : null)
        .setEventTime(Instant.ofEpochMilli(batch.eventTimes[i]))
        .build();
  }
}
