package dev.streamcl.learner.lda;

import dev.streamcl.learner.StateSchema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** {@link StreamingLdaState} in checkpoints and savepoints (schema history: {@code StreamingLdaState-v*.avsc}). */
public final class StreamingLdaStateSchema extends StateSchema<StreamingLdaState> {
  private static final long serialVersionUID = 1L;

  public StreamingLdaStateSchema() {
    super("StreamingLdaState", 1);
  }

  @Override
  public GenericRecord write(StreamingLdaState state) {
    return new GenericRecordBuilder(schema())
        .set("dim", state.dim())
        .set("labels", list(state.labels()))
        .set("sums", doubles(state.sums()))
        .set("counts", list(state.counts()))
        .set("outerProducts", doubles(state.outerProducts()))
        .set("samplesSeen", state.samplesSeen())
        .build();
  }

  @Override
  public StreamingLdaState read(GenericRecord record) {
    return StreamingLdaState.of((Integer) record.get("dim"), ints(record.get("labels")), doubles(record.get("sums")),
        longs(record.get("counts")), doubles(record.get("outerProducts")), (Long) record.get("samplesSeen"));
  }
}
