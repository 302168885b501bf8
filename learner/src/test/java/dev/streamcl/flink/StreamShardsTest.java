package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.nmc.NearestClassMeanLearner;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One stream spread over N learner subtasks — deal ({@link StreamShards}), learn ({@link LearnerFunction#shard}),
 * merge ({@link ShardMerge}), each operator in Flink's keyed test harness — publishes the versions one subtask
 * publishes: for NMC byte for byte, for the SGD learners the same versions at the same samples with merged models.
 */
class StreamShardsTest {
  private static final int DIM = 12;
  private static final String STREAM = "s";
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);
  private static final int PER_TASK = 230;
  private static final int TASKS = 4;
  private static final PublishPolicy POLICY = PublishPolicy.every(97);

  @ParameterizedTest(name = "{0} shards")
  @ValueSource(ints = {2, 3, 4})
  void nearestClassMeanVersionsAreThoseOfOneSubtaskByteForByte(int shards) throws Exception {
    List<FeatureBatch> batches = batches(37, 5, 101, 64);
    Run one = runOneSubtask(new NearestClassMeanLearner(ENCODER), batches);
    Run spread = runShards(new NearestClassMeanLearner(ENCODER), shards, batches(3, 250, 17));

    assertTrue(one.updates.size() > TASKS, "versions at every 97 labelled samples and at task ends");
    assertEquals(encoded(one.updates), encoded(spread.updates), "every version, byte for byte");
    List<ShardState> lastParts = spread.parts.stream().filter(p -> p.version == one.updates.size()).toList();
    ShardMerge<ClassMeanState> merge = new ShardMerge<>(new NearestClassMeanLearner(ENCODER), shards);
    assertEquals(one.finalState, merge.merge(lastParts).state(),
        "the merged statistics of the last version are the one subtask's, bit for bit");
    assertEquals(versionBySample(one.predictions), versionBySample(spread.predictions),
        "each sample is predicted by a shard that has seen the same published versions");
  }

  @Test
  void replayHeadsPublishTheSameVersionsWithAveragedHeads() throws Exception {
    ReplayHeadLearner er = new ReplayHeadLearner("er", new ReplayHeadLearner.Settings(100, 32, 32, 0.1f, 1, 7),
        ENCODER);
    Run one = runOneSubtask(er, batches(37, 5, 101, 64));
    Run spread = runShards(er, 2, batches(37, 5, 101, 64));

    assertVersionsCutAsNearestClassMeanCutsThem(spread);
    assertNotEquals(one.updates.get(one.updates.size() - 1).getTensors(),
        spread.updates.get(spread.updates.size() - 1).getTensors(), "a soup of two heads is another model");
  }

  @Test
  void keyValueBottleneckShardsFitTheSameKeysAndAddTheirValues() throws Exception {
    KeyValueBottleneckLearner kvb = new KeyValueBottleneckLearner(new KeyValueBottleneckLearner.Settings(
        new KvbHyperparameters(4, 16, 4, 1, 2 * TASKS, 0.3, 0.1, 3L, 0.95, 0.1, 300), 64, 3, null), ENCODER);
    Run one = runOneSubtask(kvb, batches(37, 5, 101, 64));
    Run spread = runShards(kvb, 2, batches(37, 5, 101, 64));

    assertVersionsCutAsNearestClassMeanCutsThem(spread);
    assertEquals(tensor(one.updates.get(0), "keys"), tensor(spread.updates.get(0), "keys"),
        "every shard fitted its keys on the same first 300 samples");
    assertTrue(spread.updates.stream().skip(1).anyMatch(u -> u.getKind() == dev.streamcl.events.UpdateKind.DELTA),
        "merged versions still travel as deltas of the rows any shard touched");
  }

  @Test
  void shardKeysLandOnDistinctSubtasks() {
    for (int shards : new int[] {2, 4, 8}) {
      ShardKeys keys = new ShardKeys(shards, 128);
      for (int stream = 0; stream < 200; stream++) {
        Set<Integer> subtasks = new HashSet<>();
        for (int shard = 0; shard < shards; shard++) {
          String key = keys.key("stream-" + stream, shard);
          assertEquals("stream-" + stream, ShardKeys.streamOf(key));
          subtasks.add(KeyGroupRangeAssignment.assignKeyToParallelOperator(key, 128, shards));
        }
        assertEquals(shards, subtasks.size(), "the " + shards + " shards of stream-" + stream);
      }
    }
  }

  /**
   * One subtask publishes an SGD learner's version after the minibatch that reaches the interval; shards close theirs
   * exactly at the cut, partial minibatches learned, so a spread stream's versions are where NMC's are.
   */
  private static void assertVersionsCutAsNearestClassMeanCutsThem(Run spread) throws Exception {
    Run nmc = runOneSubtask(new NearestClassMeanLearner(ENCODER), batches(37, 5, 101, 64));
    assertEquals(nmc.updates.stream().map(StreamShardsTest::summary).toList(),
        spread.updates.stream().map(StreamShardsTest::summary).toList(), "versions, triggers and sample counts");
    assertEquals(versionBySample(nmc.predictions), versionBySample(spread.predictions));
  }

  private static String summary(ModelUpdate u) {
    return u.getModelVersion() + " " + u.getProperties().get(PublishProgress.TRIGGER) + " " + u.getSamplesSeen() + " "
        + u.getLabelledSeen() + " " + u.getSourceOffsets() + " " + u.getCreatedAt();
  }

  private static List<FeatureBatch> batches(int... sizes) {
    return GeneratedFeatures.batches(STREAM, DIM,
        GeneratedFeatures.stream(11, DIM, PER_TASK * TASKS, PER_TASK, 5, 0.3f), sizes);
  }

  private record Run(List<ModelUpdate> updates, List<Prediction> predictions, List<ShardState> parts,
      Object finalState) {}

  private static Run runOneSubtask(ContinualLearner<?, ?> learner, List<FeatureBatch> batches) throws Exception {
    try (var harness = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction>(
        new KeyedProcessOperator<>(new LearnerFunction<>(learner, POLICY, ComputeDevice.cpu())),
        batch -> batch.streamId, Types.STRING)) {
      harness.open();
      for (FeatureBatch batch : batches) {
        harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
      harness.processWatermark(Long.MAX_VALUE);
      return new Run(firstChunks(values(harness.getSideOutput(OutputTags.MODEL_UPDATES))),
          harness.extractOutputValues(), List.of(), modelOf(harness, learner));
    }
  }

  /**
   * Deal, learn and merge, one harness each (the learn harness holds every shard's key, as one subtask may); the
   * merge gets the shards' parts out of order — all of the last shard's first — as parts from different subtasks
   * may arrive.
   */
  private static Run runShards(ContinualLearner<?, ?> learner, int shards, List<FeatureBatch> batches)
      throws Exception {
    List<FeatureBatch> dealt;
    try (var deal = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, FeatureBatch>(
        new KeyedProcessOperator<>(new StreamShards(learner, shards, POLICY, WarmupSupply.UNCOUNTED)),
        batch -> batch.streamId, Types.STRING)) {
      deal.open();
      for (FeatureBatch batch : batches) {
        deal.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
      deal.processWatermark(Long.MAX_VALUE);
      dealt = deal.extractOutputValues();
    }
    List<ShardState> parts;
    List<Prediction> predictions;
    try (var learn = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction>(
        new KeyedProcessOperator<>(LearnerFunction.shard(learner, ComputeDevice.cpu())), new ShardKeys(shards, 128),
        Types.STRING)) {
      learn.open();
      for (FeatureBatch batch : dealt) {
        learn.processElement(batch, batch.size() == 0 ? 0 : Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
      learn.processWatermark(Long.MAX_VALUE);
      parts = new ArrayList<>(values(learn.getSideOutput(OutputTags.SHARD_STATES)));
      predictions = learn.extractOutputValues();
    }
    parts.sort(Comparator.comparingInt((ShardState p) -> -p.shard)); // stable: each shard's parts stay in order
    try (var merge = new KeyedOneInputStreamOperatorTestHarness<String, ShardState, ModelUpdate>(
        new KeyedProcessOperator<>(new ShardMerge<>(learner, shards)), part -> part.streamId, Types.STRING)) {
      merge.open();
      for (ShardState part : parts) {
        merge.processElement(part, 0);
      }
      return new Run(firstChunks(merge.extractOutputValues()), predictions, parts, null);
    }
  }

  /** The learner state the one subtask holds for the stream once the input ended. */
  private static <S> S modelOf(KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness,
      ContinualLearner<S, ?> learner) throws Exception {
    KeyedStateBackend<String> backend = ((AbstractStreamOperator<?>) harness.getOperator()).getKeyedStateBackend();
    backend.setCurrentKey(STREAM);
    return backend.getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
        LearnerFunction.modelState(learner.stateSchema())).value();
  }

  private static <T> List<T> values(java.util.Collection<StreamRecord<T>> records) {
    return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
  }

  private static List<ModelUpdate> firstChunks(List<ModelUpdate> updates) {
    return updates.stream().filter(u -> u.getChunkIndex() == 0).toList();
  }

  private static Map<Long, Long> versionBySample(List<Prediction> predictions) {
    return predictions.stream().collect(Collectors.toMap(Prediction::getSequence, Prediction::getModelVersion,
        (a, b) -> a, TreeMap::new));
  }

  private static String tensor(ModelUpdate update, String name) {
    return update.getTensors().stream().filter(t -> t.getName().equals(name)).map(NamedTensor::getValues)
        .map(bytes -> Arrays.toString(bytes.array())).findFirst().orElseThrow();
  }

  private static List<String> encoded(List<ModelUpdate> updates) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    return updates.stream().map(u -> Arrays.toString(codec.encode(u))).toList();
  }
}
