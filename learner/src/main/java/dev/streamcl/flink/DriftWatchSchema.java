package dev.streamcl.flink;

import dev.streamcl.drift.PrequentialDriftDetector;
import dev.streamcl.learner.StateSchema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** {@link DriftWatchState} in checkpoints and savepoints (schema history: {@code DriftWatch-v*.avsc}). */
public final class DriftWatchSchema extends StateSchema<DriftWatchState> {
  private static final long serialVersionUID = 1L;

  public DriftWatchSchema() {
    super("DriftWatch", 1);
  }

  @Override
  public GenericRecord write(DriftWatchState state) {
    return new GenericRecordBuilder(schema()).set("delta", state.detector.delta())
        .set("detector", doubles(state.detector.snapshot())).set("predictions", state.predictions).build();
  }

  @Override
  public DriftWatchState read(GenericRecord r) {
    return new DriftWatchState(PrequentialDriftDetector.restore((Double) r.get("delta"), doubles(r.get("detector"))),
        (Long) r.get("predictions"));
  }
}
