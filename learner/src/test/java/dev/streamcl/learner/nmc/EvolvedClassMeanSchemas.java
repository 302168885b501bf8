package dev.streamcl.learner.nmc;

import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.learner.StateMerge;
import dev.streamcl.learner.StateSchema;
import dev.streamcl.onnx.ComputeDevice;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** Test-only later builds of the NMC state schema: one that gained a field, one that changed a type. */
public final class EvolvedClassMeanSchemas {
  private EvolvedClassMeanSchemas() {}

  /** v2 = v1 plus {@code note} (a string with a default); v1 stays in the history. */
  public static final class WithNote extends StateSchema<ClassMeanState> {
    private static final long serialVersionUID = 1L;

    public WithNote() {
      super("ClassMeanState", 2);
    }

    @Override
    public GenericRecord write(ClassMeanState state) {
      return asV1(state, schema()).set("note", "written by the evolved build").build();
    }

    @Override
    public ClassMeanState read(GenericRecord record) {
      if (record.get("note") == null) {
        throw new IllegalStateException("a v2 record always has a note (its default when read from v1)");
      }
      return new ClassMeanStateSchema().read(record);
    }
  }

  /** {@code samplesSeen} as a string: values written as long cannot be read. */
  public static final class Incompatible extends StateSchema<ClassMeanState> {
    private static final long serialVersionUID = 1L;

    public Incompatible() {
      super("ClassMeanStateIncompatible", 1);
    }

    @Override
    public GenericRecord write(ClassMeanState state) {
      return asV1(state, schema()).set("samplesSeen", Long.toString(state.samplesSeen())).build();
    }

    @Override
    public ClassMeanState read(GenericRecord record) {
      throw new UnsupportedOperationException("never read in the test");
    }
  }

  /** The fields the current build writes, copied into a record of {@code schema}. */
  private static GenericRecordBuilder asV1(ClassMeanState state, Schema schema) {
    GenericRecord v1 = new ClassMeanStateSchema().write(state);
    GenericRecordBuilder record = new GenericRecordBuilder(schema);
    v1.getSchema().getFields().forEach(f -> record.set(f.name(), v1.get(f.name())));
    return record;
  }

  public static ContinualLearner<ClassMeanState, NearestClassMean> withAddedField(NearestClassMeanLearner learner) {
    return new SchemaSwapped(learner, new WithNote());
  }

  public static ContinualLearner<ClassMeanState, NearestClassMean> withIncompatibleChange(
      NearestClassMeanLearner learner) {
    return new SchemaSwapped(learner, new Incompatible());
  }

  /** The same learner with another state schema: what a later build of it would be. */
  private record SchemaSwapped(NearestClassMeanLearner learner, StateSchema<ClassMeanState> schema)
      implements ContinualLearner<ClassMeanState, NearestClassMean> {
    @Override
    public String name() {
      return learner.name();
    }

    @Override
    public int minibatch() {
      return learner.minibatch();
    }

    @Override
    public ClassMeanState initialState(int featureDim) {
      return learner.initialState(featureDim);
    }

    @Override
    public StateSchema<ClassMeanState> stateSchema() {
      return schema;
    }

    @Override
    public Object kernelKey(String streamId, ClassMeanState state) {
      return learner.kernelKey(streamId, state);
    }

    @Override
    public NearestClassMean openKernel(ClassMeanState state, ComputeDevice device) {
      return learner.openKernel(state, device);
    }

    @Override
    public Predictions testThenTrain(NearestClassMean kernel, ClassMeanState state, FeatureBatch batch) {
      return learner.testThenTrain(kernel, state, batch);
    }

    @Override
    public ModelUpdate snapshot(ClassMeanState state, Publication publication) {
      return learner.snapshot(state, publication);
    }

    @Override
    public StateMerge<ClassMeanState> merge() {
      return learner.merge();
    }
  }
}
