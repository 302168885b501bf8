package dev.streamcl.learner.ranpac;

import dev.streamcl.learner.StateSchema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** {@link RanpacState} in checkpoints and savepoints (schema history: {@code RanpacState-v*.avsc}). */
public final class RanpacStateSchema extends StateSchema<RanpacState> {
  private static final long serialVersionUID = 1L;

  public RanpacStateSchema() {
    super("RanpacState", 1);
  }

  @Override
  public GenericRecord write(RanpacState state) {
    return new GenericRecordBuilder(schema())
        .set("dim", state.dim())
        .set("projectionDim", state.projectionDim())
        .set("labels", list(state.labels()))
        .set("counts", list(state.counts()))
        .set("fitPrototypes", doubles(state.fitPrototypes()))
        .set("heldOutPrototypes", doubles(state.heldOutPrototypes()))
        .set("fitGram", doubles(state.fitGramView()))
        .set("heldOutGram", doubles(state.heldOutGramView()))
        .set("heldOutSamples", state.heldOutSamples())
        .set("samplesSeen", state.samplesSeen())
        .set("ridge", Double.isNaN(state.ridge()) ? null : state.ridge())
        .set("readoutClasses", state.readoutClasses())
        .set("readout", floats(state.readoutView()))
        .build();
  }

  @Override
  public RanpacState read(GenericRecord record) {
    Object ridge = record.get("ridge");
    return RanpacState.of((Integer) record.get("dim"), (Integer) record.get("projectionDim"),
        ints(record.get("labels")), longs(record.get("counts")), doubles(record.get("fitPrototypes")),
        doubles(record.get("heldOutPrototypes")), doubles(record.get("fitGram")), doubles(record.get("heldOutGram")),
        (Long) record.get("heldOutSamples"), (Long) record.get("samplesSeen"),
        ridge == null ? Double.NaN : (Double) ridge, (Integer) record.get("readoutClasses"),
        floats(record.get("readout")));
  }
}
