package dev.streamcl.learner.nmc;

import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.ForwardingLearner;
import dev.streamcl.learner.StateSchema;
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
  private static final class SchemaSwapped extends ForwardingLearner<ClassMeanState, NearestClassMean> {
    private static final long serialVersionUID = 1L;
    private final StateSchema<ClassMeanState> schema;

    SchemaSwapped(NearestClassMeanLearner learner, StateSchema<ClassMeanState> schema) {
      super(learner);
      this.schema = schema;
    }

    @Override
    public StateSchema<ClassMeanState> stateSchema() {
      return schema;
    }
  }
}
