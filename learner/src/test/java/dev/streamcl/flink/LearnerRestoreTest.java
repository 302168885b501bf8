package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.nmc.EvolvedClassMeanSchemas;
import dev.streamcl.learner.nmc.NearestClassMeanLearner;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every learner, on the heap and on the RocksDB state backend, restored from a savepoint taken
 * mid-stream continues exactly: the same predictions and the same next model versions, byte for byte,
 * as a run that never stopped. And a savepoint restores into a build whose learner state schema gained
 * a field (a test-only schema version), while an incompatible schema change is refused.
 */
class LearnerRestoreTest {
  private static final int DIM = 12;
  private static final String STREAM = "s";
  private static final EncoderIdentity ENCODER = new EncoderIdentity("test", "sha", DIM);
  private static final KvbHyperparameters KVB = new KvbHyperparameters(4, 32, 4, 1, 8, 0.3, 0.1, 3L, 0.95, 0.1, 100);
  private static final PublishPolicy PUBLISH = new PublishPolicy(90, true);

  static Stream<Arguments> learnersOnBothBackends() {
    return Stream.of("hashmap", "rocksdb").flatMap(backend -> Stream.of(
        Arguments.of(backend, new NearestClassMeanLearner(ENCODER)),
        Arguments.of(backend, new KeyValueBottleneckLearner(new KeyValueBottleneckLearner.Settings(KVB, 40, 3, null),
            ENCODER)),
        Arguments.of(backend, new ReplayHeadLearner("er", new ReplayHeadLearner.Settings(60, 16, 16, 0.1f, 1, 7),
            ENCODER)),
        Arguments.of(backend, new ReplayHeadLearner("fetril", ReplayHeadLearner.Settings.defaults(), ENCODER)),
        Arguments.of(backend, new ReplayHeadLearner("er-balanced", ReplayHeadLearner.Settings.defaults(), ENCODER))));
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("learnersOnBothBackends")
  void aLearnerRestoredFromASavepointContinuesExactly(String backend, ContinualLearner<?, ?> learner)
      throws Exception {
    try (Halfway run = Halfway.restore(learner, learner, backend)) {
      assertFalse(run.restored.updates().isEmpty(), "versions published after the restore");
      run.assertRestoredContinuesExactly();
      System.out.printf("%s on %s: %d predictions and %d model-update records after the restore, identical%n",
          learner.name(), backend, run.restored.predictions().size(), run.restored.updates().size());
    }
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("backends")
  void aSavepointRestoresIntoABuildWhoseStateSchemaGainedAField(String backend) throws Exception {
    NearestClassMeanLearner current = new NearestClassMeanLearner(ENCODER);
    try (Halfway run = Halfway.restore(current, EvolvedClassMeanSchemas.withAddedField(current), backend)) {
      run.assertRestoredContinuesExactly();
      assertEquals(run.versionAtSavepoint + 1, run.restored.firstVersion(), "the next version follows the savepoint's");
      ClassMeanState state = run.restored.modelState(new EvolvedClassMeanSchemas.WithNote());
      assertTrue(state.samplesSeen() > 0);
      System.out.printf("evolved schema on %s: restored at v%d, published v%d..v%d as the unchanged build did%n",
          backend, run.versionAtSavepoint, run.restored.firstVersion(), run.restored.lastVersion());
    }
  }

  @ParameterizedTest(name = "on {0}")
  @MethodSource("backends")
  void anIncompatibleStateSchemaIsRefusedAtRestore(String backend) throws Exception {
    NearestClassMeanLearner current = new NearestClassMeanLearner(ENCODER);
    Run before = Run.of(current, backend, null);
    before.feed(batches().subList(0, half()));
    OperatorSubtaskState savepoint = before.savepoint();
    before.close();

    Exception refused = assertThrows(Exception.class,
        () -> Run.of(EvolvedClassMeanSchemas.withIncompatibleChange(current), backend, savepoint));
    String causes = causes(refused);
    assertTrue(causes.contains("incompatible") || causes.contains("Incompatible"), causes);
    System.out.println("incompatible schema on " + backend + " refused: " + causes.lines().findFirst().orElse(""));
  }

  static Stream<String> backends() {
    return Stream.of("hashmap", "rocksdb");
  }

  private static List<FeatureBatch> batches() {
    return GeneratedFeatures.batches(STREAM, DIM, GeneratedFeatures.stream(4, DIM, 800, 200, 7, 0.3f), 23, 31, 9);
  }

  private static int half() {
    return batches().size() / 2;
  }

  private static String causes(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      all.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append('\n');
    }
    return all.toString();
  }

  /**
   * A run that never stops beside one stopped halfway with a savepoint and restored, possibly into
   * another build of the learner, that learns the second half.
   */
  private static final class Halfway implements AutoCloseable {
    private final Run uninterrupted;
    private final Run restored;
    private final int predictedBefore;
    private final int publishedBefore;
    private final long versionAtSavepoint;

    private Halfway(Run uninterrupted, Run restored, int predictedBefore, int publishedBefore,
        long versionAtSavepoint) {
      this.uninterrupted = uninterrupted;
      this.restored = restored;
      this.predictedBefore = predictedBefore;
      this.publishedBefore = publishedBefore;
      this.versionAtSavepoint = versionAtSavepoint;
    }

    static Halfway restore(ContinualLearner<?, ?> first, ContinualLearner<?, ?> restoredInto, String backend)
        throws Exception {
      Run uninterrupted = Run.of(first, backend, null);
      uninterrupted.feed(batches());
      uninterrupted.end();
      OperatorSubtaskState savepoint;
      int predicted;
      int published;
      long version;
      try (Run before = Run.of(first, backend, null)) {
        before.feed(batches().subList(0, half()));
        savepoint = before.savepoint();
        predicted = before.predictions().size();
        published = before.updates().size();
        version = before.updates().isEmpty() ? 0 : before.lastVersion();
      }
      Run restored = Run.of(restoredInto, backend, savepoint);
      restored.feed(batches().subList(half(), batches().size()));
      restored.end();
      return new Halfway(uninterrupted, restored, predicted, published, version);
    }

    /** The same predictions and the same model-update bytes after the restore as without a stop. */
    void assertRestoredContinuesExactly() {
      List<Prediction> all = uninterrupted.predictions();
      assertEquals(all.subList(predictedBefore, all.size()), restored.predictions(), "predictions after the restore");
      List<String> updates = uninterrupted.updates();
      assertEquals(updates.subList(publishedBefore, updates.size()), restored.updates(),
          "model updates after the restore");
    }

    @Override
    public void close() throws Exception {
      uninterrupted.close();
      restored.close();
    }
  }

  /** One learner operator in a keyed test harness on the chosen state backend. */
  private static final class Run implements AutoCloseable {
    private final KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness;

    private Run(KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction> harness) {
      this.harness = harness;
    }

    static <S, K extends AutoCloseable> Run of(ContinualLearner<S, K> learner, String backend,
        OperatorSubtaskState restoreFrom) throws Exception {
      var harness = new KeyedOneInputStreamOperatorTestHarness<String, FeatureBatch, Prediction>(
          new KeyedProcessOperator<>(new LearnerFunction<>(learner, PUBLISH, ComputeDevice.cpu())),
          batch -> batch.streamId, Types.STRING);
      harness.setStateBackend(stateBackend(backend));
      try {
        if (restoreFrom != null) {
          harness.initializeState(restoreFrom);
        }
        harness.open();
      } catch (Exception e) {
        harness.close();
        throw e;
      }
      return new Run(harness);
    }

    private static StateBackend stateBackend(String name) {
      return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend(true) : new HashMapStateBackend();
    }

    void feed(List<FeatureBatch> batches) throws Exception {
      for (FeatureBatch batch : batches) {
        harness.processElement(batch, Arrays.stream(batch.eventTimes).max().orElseThrow());
      }
    }

    void end() throws Exception {
      harness.processWatermark(Long.MAX_VALUE);
    }

    /** A savepoint in the canonical format, as `flink stop --savepointPath` takes. */
    OperatorSubtaskState savepoint() throws Exception {
      return harness.snapshotWithLocalState(1L, 1L, SavepointType.savepoint(SavepointFormatType.CANONICAL))
          .getJobManagerOwnedState();
    }

    List<Prediction> predictions() {
      return harness.extractOutputValues();
    }

    /** Model-update records as hex of their encoded bytes, in publish order. */
    List<String> updates() {
      var side = harness.getSideOutput(OutputTags.MODEL_UPDATES);
      if (side == null) {
        return List.of();
      }
      EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
      return side.stream().map(StreamRecord::getValue).map(u -> HexFormat.of().formatHex(codec.encode(u))).toList();
    }

    long firstVersion() {
      return versions().findFirst().orElseThrow();
    }

    long lastVersion() {
      return versions().reduce((a, b) -> b).orElseThrow();
    }

    private Stream<Long> versions() {
      return harness.getSideOutput(OutputTags.MODEL_UPDATES).stream().map(r -> r.getValue().getModelVersion());
    }

    <S> S modelState(dev.streamcl.learner.StateSchema<S> schema) throws Exception {
      var backend = harness.getOperator().getKeyedStateBackend();
      backend.setCurrentKey(STREAM);
      return backend.getPartitionedState(org.apache.flink.runtime.state.VoidNamespace.INSTANCE,
          org.apache.flink.runtime.state.VoidNamespaceSerializer.INSTANCE, LearnerFunction.modelState(schema)).value();
    }

    @Override
    public void close() throws Exception {
      harness.close();
    }
  }
}
