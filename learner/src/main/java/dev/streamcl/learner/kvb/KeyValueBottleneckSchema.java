package dev.streamcl.learner.kvb;

import dev.streamcl.learner.StateSchema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** {@link KeyValueBottleneck} in checkpoints and savepoints (schema history: {@code KeyValueBottleneck-v*.avsc}). */
public final class KeyValueBottleneckSchema extends StateSchema<KeyValueBottleneck> {
  private static final long serialVersionUID = 1L;

  public KeyValueBottleneckSchema() {
    super("KeyValueBottleneck", 1);
  }

  @Override
  public GenericRecord write(KeyValueBottleneck state) {
    KvbHyperparameters c = state.config();
    GenericRecord hyperparameters = new GenericRecordBuilder(schema().getField("hyperparameters").schema())
        .set("codebooks", c.codebooks()).set("keysPerCodebook", c.keysPerCodebook()).set("keyDim", c.keyDim())
        .set("topK", c.topK()).set("classes", c.classes()).set("learningRate", c.learningRate())
        .set("labelSmoothing", c.labelSmoothing()).set("seed", c.seed()).set("emaDecay", c.emaDecay())
        .set("deadKeyFactor", c.deadKeyFactor()).set("keyInitSamples", c.keyInitSamples())
        .build();
    return new GenericRecordBuilder(schema())
        .set("hyperparameters", hyperparameters)
        .set("featureDim", state.featureDim())
        .set("keys", floats(state.keysView()))
        .set("values", floats(state.valuesView()))
        .set("touchedRows", list(state.touchedRows()))
        .set("samplesSeen", state.samplesSeen())
        .set("labelledSeen", state.labelledSeen())
        .build();
  }

  @Override
  public KeyValueBottleneck read(GenericRecord record) {
    GenericRecord h = (GenericRecord) record.get("hyperparameters");
    KvbHyperparameters config = new KvbHyperparameters((Integer) h.get("codebooks"), (Integer) h.get("keysPerCodebook"),
        (Integer) h.get("keyDim"), (Integer) h.get("topK"), (Integer) h.get("classes"),
        (Double) h.get("learningRate"), (Double) h.get("labelSmoothing"), (Long) h.get("seed"),
        (Double) h.get("emaDecay"), (Double) h.get("deadKeyFactor"), (Integer) h.get("keyInitSamples"));
    return KeyValueBottleneck.restore(config, (Integer) record.get("featureDim"), floats(record.get("keys")),
        floats(record.get("values")), ints(record.get("touchedRows")), (Long) record.get("samplesSeen"),
        (Long) record.get("labelledSeen"));
  }
}
