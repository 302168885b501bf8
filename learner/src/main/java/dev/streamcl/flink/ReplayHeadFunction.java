package dev.streamcl.flink;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.replay.ExperienceReplay;
import dev.streamcl.learner.replay.PortableHead;
import dev.streamcl.learner.replay.ReplayMemory;
import dev.streamcl.learner.replay.SoftmaxHead;
import dev.streamcl.onnx.ComputeDevice;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.Collector;

/**
 * A softmax head over frozen features trained by minibatch SGD (an ONNX graph), rehearsing from a
 * replay memory kept in keyed state: a reservoir or class-balanced buffer (experience replay), class
 * centroids (FeTrIL pseudo-features), or nothing (fine-tuning). Test-then-train per fixed minibatch;
 * every version is a small snapshot that also carries the head as a portable ONNX model.
 */
public final class ReplayHeadFunction extends LearnerFunction {
  private final ReplaySettings settings;
  private final PublishPolicy publish;
  private final ComputeDevice device;
  private final EncoderIdentity encoder;

  private transient ValueState<SoftmaxHead> head;
  private transient ValueState<ReplayMemory> memory;
  private transient ListState<FeatureBatch> waiting;
  private transient ValueState<PublishProgress> progress;
  private transient Map<String, ExperienceReplay> learners;

  public ReplayHeadFunction(ReplaySettings settings, PublishPolicy publish, ComputeDevice device, EncoderIdentity encoder) {
    this.settings = settings;
    this.publish = publish;
    this.device = device;
    this.encoder = encoder;
  }

  @Override
  protected String learnerName() {
    return settings.learner();
  }

  @Override
  public void open(OpenContext openContext) {
    super.open(openContext);
    head = getRuntimeContext().getState(new ValueStateDescriptor<>("head", TypeInformation.of(SoftmaxHead.class)));
    memory = getRuntimeContext().getState(new ValueStateDescriptor<>("replay-memory", TypeInformation.of(ReplayMemory.class)));
    waiting = getRuntimeContext().getListState(new ListStateDescriptor<>("waiting-samples", FeatureBatch.class));
    progress = getRuntimeContext().getState(new ValueStateDescriptor<>("publish-progress", PublishProgress.class));
    learners = new HashMap<>();
  }

  @Override
  protected void takeIn(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    if (progress.value() == null) {
      progress.update(new PublishProgress());
      head.update(new SoftmaxHead(batch.dim));
      memory.update(settings.newMemory(batch.dim));
      ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
    }
    waiting.add(batch);
    trainMinibatches(ctx, out, false);
  }

  /** End of input: learn the last partial minibatch and publish what was learned since the last version. */
  @Override
  protected void finishInput(OnTimerContext ctx, Collector<Prediction> out) throws Exception {
    trainMinibatches(ctx, out, true);
    PublishProgress published = progress.value();
    if (published != null) {
      publishIfLearned(ctx, published, PublishProgress.Trigger.INPUT_END);
      progress.update(published);
    }
  }

  @Override
  public void close() {
    learners.values().forEach(ExperienceReplay::close);
    learners.clear();
  }

  private void trainMinibatches(Context ctx, Collector<Prediction> out, boolean inputEnded) throws Exception {
    ExperienceReplay learner = learnerFor(ctx.getCurrentKey());
    PublishProgress published = progress.value();
    FixedMinibatches.TaskEnd taskEnd = publish.atTaskEnd()
        ? () -> publishIfLearned(ctx, published, PublishProgress.Trigger.TASK_END) : null;
    FixedMinibatches.drain(waiting, settings.minibatch(), inputEnded, published, taskEnd, minibatch -> {
      PredictionEvents.emitAndCount(out, minibatch, testThenTrain(learner, minibatch), settings.learner(), published);
      if (published.labelledSincePublish >= publish.everyLabelled()) {
        publish(ctx, published, PublishProgress.Trigger.INTERVAL);
      }
    });
    head.update(learner.head());
    memory.update(learner.memory());
    progress.update(published);
  }

  /** Unlabelled samples are predicted but not learned. */
  private static Predictions testThenTrain(ExperienceReplay learner, FeatureBatch minibatch) {
    int[] labelled = IntStream.range(0, minibatch.size()).filter(i -> minibatch.labels[i] >= 0).toArray();
    if (labelled.length == minibatch.size()) {
      return learner.testThenTrain(minibatch.features, minibatch.size(), minibatch.labels);
    }
    Predictions predictions = learner.predict(minibatch.features, minibatch.size());
    if (labelled.length > 0) {
      float[] x = new float[labelled.length * minibatch.dim];
      int[] labels = new int[labelled.length];
      for (int k = 0; k < labelled.length; k++) {
        System.arraycopy(minibatch.features, labelled[k] * minibatch.dim, x, k * minibatch.dim, minibatch.dim);
        labels[k] = minibatch.labels[labelled[k]];
      }
      learner.testThenTrain(x, labelled.length, labels);
    }
    return predictions;
  }

  private void publishIfLearned(Context ctx, PublishProgress published, PublishProgress.Trigger trigger)
      throws Exception {
    if (published.hasUnpublished()) {
      publish(ctx, published, trigger);
    }
  }

  private void publish(Context ctx, PublishProgress published, PublishProgress.Trigger trigger) throws Exception {
    long version = published.nextVersion();
    SoftmaxHead current = learnerFor(ctx.getCurrentKey()).head();
    ModelUpdate snapshot = ModelUpdate.newBuilder()
        .setStreamId(ctx.getCurrentKey()).setLearner(settings.learner()).setModelVersion(version)
        .setKind(UpdateKind.SNAPSHOT).setBaseVersion(null).setEncoderIdentity(encoder)
        .setClasses(IntStream.of(current.labels()).boxed().toList())
        .setTensors(List.of(
            tensor("weights", List.of(current.classCount(), current.dim()), current.weightsView()),
            tensor("bias", List.of(current.classCount()), current.biasView())))
        .setSamplesSeen(published.samplesSeen).setLabelledSeen(published.labelledSeen)
        .setSourceOffsets(published.sourceOffsets()).setCreatedAt(published.createdAt())
        .setProperties(Map.of("mode", settings.config().mode().name(), "policy", settings.config().policy().name(),
            "capacity", Integer.toString(settings.config().capacity())))
        .setPortableModel(ByteBuffer.wrap(PortableHead.forSoftmaxHead(current)))
        .build();
    for (ModelUpdate chunk : ModelUpdateChunks.split(published.annotate(snapshot, trigger), ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES)) {
      ctx.output(OutputTags.MODEL_UPDATES, chunk);
    }
  }

  private static NamedTensor tensor(String name, List<Integer> shape, float[] values) {
    return NamedTensor.newBuilder().setName(name).setShape(shape).setRowIndices(null)
        .setValues(FloatBytes.toBytes(values)).build();
  }

  /** The learner wraps this key's state objects; rebuilt from state after a restore. */
  private ExperienceReplay learnerFor(String streamId) throws Exception {
    ExperienceReplay learner = learners.get(streamId);
    if (learner == null) {
      learner = new ExperienceReplay(settings.config(), head.value(), memory.value(), device);
      learners.put(streamId, learner);
    }
    return learner;
  }
}
