package dev.streamcl.flink;

import dev.streamcl.drift.PrequentialDriftDetector;
import dev.streamcl.learner.StateSchema;
import java.util.List;
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
    double[] snapshot = state.detector.snapshot();
    Double[] boxed = new Double[snapshot.length];
    for (int i = 0; i < snapshot.length; i++) {
      boxed[i] = snapshot[i];
    }
    return new GenericRecordBuilder(schema()).set("delta", state.detector.delta()).set("detector", List.of(boxed))
        .set("predictions", state.predictions).build();
  }

  @Override
  @SuppressWarnings("unchecked")
  public DriftWatchState read(GenericRecord r) {
    List<Double> boxed = (List<Double>) r.get("detector");
    double[] snapshot = new double[boxed.size()];
    for (int i = 0; i < snapshot.length; i++) {
      snapshot[i] = boxed.get(i);
    }
    double delta = (Double) r.get("delta");
    return new DriftWatchState(PrequentialDriftDetector.restore(delta, snapshot), (Long) r.get("predictions"));
  }
}
