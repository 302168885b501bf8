package dev.streamcl.learner.nmc;

import dev.streamcl.learner.StateSchema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** {@link ClassMeanState} in checkpoints and savepoints (schema history: {@code ClassMeanState-v*.avsc}). */
public final class ClassMeanStateSchema extends StateSchema<ClassMeanState> {
  private static final long serialVersionUID = 1L;

  public ClassMeanStateSchema() {
    super("ClassMeanState", 1);
  }

  @Override
  public GenericRecord write(ClassMeanState state) {
    return new GenericRecordBuilder(schema())
        .set("dim", state.dim())
        .set("labels", list(state.labels()))
        .set("sums", doubles(state.sums()))
        .set("counts", list(state.counts()))
        .set("samplesSeen", state.samplesSeen())
        .build();
  }

  @Override
  public ClassMeanState read(GenericRecord record) {
    return ClassMeanState.of((Integer) record.get("dim"), ints(record.get("labels")), doubles(record.get("sums")),
        longs(record.get("counts")), (Long) record.get("samplesSeen"));
  }
}
