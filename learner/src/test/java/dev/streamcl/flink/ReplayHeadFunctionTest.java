package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.replay.ReplayBuffer;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.learner.replay.ReplayHeadState;
import dev.streamcl.learner.replay.ReplayHeadStateSchema;
import dev.streamcl.learner.replay.ReplayMemory;
import dev.streamcl.learner.replay.SoftmaxHead;
import dev.streamcl.learner.replay.SoftmaxSgdKernel;
import dev.streamcl.onnx.ComputeDevice;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * The replay-head operator in Flink's keyed test harness: restore keeps the buffer, and the published
 * head is portable.
 */
class ReplayHeadFunctionTest {
  private static final int DIM = 16;
  private static final String STREAM = "s";
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);

  @Test
  void aRestoredJobHasTheSameBufferAndContinuesExactly() throws Exception {
    List<FeatureBatch> batches = batches();
    int half = batches.size() / 2;
    OperatorSubtaskState checkpoint;
    ReplayMemory before;
    List<Prediction> uninterruptedTail;
    try (Learner uninterrupted = new Learner(null)) {
      uninterrupted.feed(batches.subList(0, half));
      checkpoint = uninterrupted.harness.snapshot(1L, 1L);
      // The heap backend hands out the live object: copy it before the run goes on.
      before = InstantiationUtil.clone(uninterrupted.memory());
      int emitted = uninterrupted.predictions().size();
      uninterrupted.feed(batches.subList(half, batches.size()));
      uninterrupted.harness.processWatermark(Long.MAX_VALUE);
      uninterruptedTail = uninterrupted.predictions().subList(emitted, uninterrupted.predictions().size());
    }
    assertTrue(((ReplayBuffer) before).size() > 0, "the buffer should hold samples at the checkpoint");
    try (Learner restored = new Learner(checkpoint)) {
      assertEquals(before, restored.memory(), "buffer contents (and its random state) after restore");
      restored.feed(batches.subList(half, batches.size()));
      restored.harness.processWatermark(Long.MAX_VALUE);
      assertEquals(uninterruptedTail, restored.predictions(), "the restored job continues exactly");
    }
  }

  @Test
  void thePublishedPortableHeadPredictsLikeTheLearnerInAPlainOnnxRuntimeSession() throws Exception {
    try (Learner learner = new Learner(null)) {
      learner.feed(batches());
      learner.harness.processWatermark(Long.MAX_VALUE);
      List<ModelUpdate> updates = learner.updates();
      ModelUpdate last = updates.get(updates.size() - 1);
      byte[] portable = new byte[last.getPortableModel().remaining()];
      last.getPortableModel().duplicate().get(portable);

      int n = 1000;
      FeatureBatch probe = GeneratedFeatures.batch(STREAM, DIM, GeneratedFeatures.stream(99, DIM, n, n, 0, 0.4f));
      long[] portableLabels = runPlainOnnxRuntime(portable, probe.features, n);
      Predictions expected;
      try (SoftmaxSgdKernel kernel = new SoftmaxSgdKernel(DIM, ComputeDevice.cpu())) {
        expected = kernel.predict(learner.head(), probe.features, n);
      }
      int disagreements = 0;
      for (int i = 0; i < n; i++) {
        disagreements += portableLabels[i] == expected.predictedLabel(i) ? 0 : 1;
      }
      assertEquals(0, disagreements, "portable head vs learner on " + n + " samples");
      assertArrayEquals(learner.head().labels(),
          last.getClasses().stream().mapToInt(Integer::intValue).toArray(), "classes of the event");
    }
  }

  /** Only ai.onnxruntime: what any user of the event can do without StreamCL. */
  private static long[] runPlainOnnxRuntime(byte[] model, float[] features, int n) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(features), new long[] {n, DIM});
        OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
      return (long[]) result.get("label").orElseThrow().getValue();
    }
  }

  private static List<FeatureBatch> batches() {
    return GeneratedFeatures.batches(STREAM, DIM, GeneratedFeatures.stream(5, DIM, 1600, 400, 0, 0.4f), 24, 40, 17);
  }

  private static final class Learner implements AutoCloseable {
    final KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness;

    Learner(OperatorSubtaskState restoreFrom) throws Exception {
      harness = new KeyedOneInputStreamOperatorTestHarness<>(new KeyedProcessOperator<>(new LearnerFunction<>(
          new ReplayHeadLearner("er", new ReplayHeadLearner.Settings(500, 32, 32, 0.1f, 1, 7), ENCODER),
          PublishPolicy.every(100), ComputeDevice.cpu())), batch -> batch.streamId, Types.STRING);
      if (restoreFrom != null) {
        harness.initializeState(restoreFrom);
      }
      harness.open();
    }

    void feed(List<FeatureBatch> batches) throws Exception {
      for (FeatureBatch batch : batches) {
        harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
    }

    List<Prediction> predictions() {
      return harness.extractOutputValues();
    }

    List<ModelUpdate> updates() {
      var side = harness.getSideOutput(OutputTags.MODEL_UPDATES);
      assertFalse(side == null || side.isEmpty(), "no model update was published");
      return side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    ReplayMemory memory() throws Exception {
      return state().memory();
    }

    SoftmaxHead head() throws Exception {
      return state().head();
    }

    private ReplayHeadState state() throws Exception {
      org.apache.flink.runtime.state.KeyedStateBackend<String> backend = harness.getOperator().getKeyedStateBackend();
      backend.setCurrentKey(STREAM);
      return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
          LearnerFunction.modelState(new ReplayHeadStateSchema())).value();
    }

    @Override
    public void close() throws Exception {
      harness.close();
    }
  }
}
