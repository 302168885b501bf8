package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A KVB learner restored from a checkpoint taken between two versions publishes the same deltas as
 * one that never stopped: the rows touched before the checkpoint survive it.
 */
class KeyValueBottleneckRestoreTest {
  private static final int DIM = 12;
  private static final String STREAM = "s";
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);
  private static final KvbHyperparameters KVB = new KvbHyperparameters(4, 64, 4, 1, 8, 0.3, 0.1, 3L, 0.95, 0.1, 100);

  @ParameterizedTest(name = "checkpoint after {0} batches")
  @ValueSource(ints = {9, 14, 22})
  void aRestoredLearnerPublishesTheSameDeltas(int batchesBeforeCheckpoint) throws Exception {
    List<FeatureBatch> batches = GeneratedFeatures.batches(STREAM, DIM,
        GeneratedFeatures.stream(4, DIM, 900, 225, 0, 0.3f), 31);
    List<String> uninterrupted;
    try (var learner = harness(null)) {
      feed(learner, batches);
      learner.processWatermark(Long.MAX_VALUE);
      uninterrupted = updates(learner);
    }
    OperatorSubtaskState checkpoint;
    List<String> before;
    try (var learner = harness(null)) {
      feed(learner, batches.subList(0, batchesBeforeCheckpoint));
      checkpoint = learner.snapshot(1L, 1L);
      before = updates(learner);
    }
    try (var restored = harness(checkpoint)) {
      feed(restored, batches.subList(batchesBeforeCheckpoint, batches.size()));
      restored.processWatermark(Long.MAX_VALUE);
      List<String> after = updates(restored);
      assertTrue(!after.isEmpty());
      List<String> joined = new ArrayList<>(before);
      joined.addAll(after);
      assertEquals(describe(uninterrupted), describe(joined), "versions of a restored learner");
      assertEquals(uninterrupted, joined, "versions of a restored learner, byte for byte");
    }
  }

  /** Version, kind, samples seen and rows carried of each update: a readable first difference. */
  private static List<String> describe(List<String> encoded) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    return encoded.stream().map(e -> {
      String[] parts = e.substring(1, e.length() - 1).split(", ");
      byte[] bytes = new byte[parts.length];
      for (int i = 0; i < parts.length; i++) {
        bytes[i] = Byte.parseByte(parts[i]);
      }
      ModelUpdate u = codec.decode(bytes);
      return "v" + u.getModelVersion() + " " + u.getKind() + " seen " + u.getSamplesSeen() + " rows "
          + u.getTensors().stream().map(t -> t.getName() + ":" + (t.getRowIndices() == null ? "dense"
              : t.getRowIndices().size())).toList() + " offsets " + u.getSourceOffsets();
    }).toList();
  }

  private static KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness(
      OperatorSubtaskState restoreFrom) throws Exception {
    var harness = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction>(
        new KeyedProcessOperator<>(new LearnerFunction<>(
            new KeyValueBottleneckLearner(new KeyValueBottleneckLearner.Settings(KVB, 40, 100, null), ENCODER),
            new PublishPolicy(70, false), ComputeDevice.cpu())), batch -> batch.streamId, Types.STRING);
    if (restoreFrom != null) {
      harness.initializeState(restoreFrom);
    }
    harness.open();
    return harness;
  }

  private static void feed(KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness,
      List<FeatureBatch> batches) throws Exception {
    for (FeatureBatch batch : batches) {
      harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
    }
  }

  private static List<String> updates(KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> h) {
    var side = h.getSideOutput(OutputTags.MODEL_UPDATES);
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    return side == null ? List.of()
        : side.stream().map(StreamRecord::getValue).map(u -> Arrays.toString(codec.encode(u))).toList();
  }
}
