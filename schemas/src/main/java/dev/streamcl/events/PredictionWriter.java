package dev.streamcl.events;

import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder;

/**
 * Writes a {@link Prediction} field by field in schema order, as Avro's {@code SpecificDatumWriter} does but without
 * its per-field lookups, union resolution and logical-type conversion: the learner job writes one per sample.
 * {@code EventCodecEncodeTest} checks the bytes against Avro's own encoder, so a schema change this writer does
 * not follow fails there.
 */
final class PredictionWriter implements DatumWriter<Prediction> {
  @Override
  public void setSchema(Schema schema) {
    // one schema only: Prediction's current one
  }

  @Override
  public void write(Prediction p, Encoder out) throws IOException {
    out.writeString(p.getStreamId());
    out.writeLong(p.getSequence());
    out.writeEnum(p.getSource().ordinal());
    out.writeString(p.getLearner());
    out.writeLong(p.getModelVersion());
    writeOptional(p.getPredictedLabel(), out);
    List<LabelScore> scores = p.getTopScores();
    out.writeArrayStart();
    out.setItemCount(scores.size());
    for (LabelScore score : scores) {
      out.startItem();
      out.writeInt(score.getLabel());
      out.writeFloat(score.getScore());
    }
    out.writeArrayEnd();
    writeOptional(p.getTrueLabel(), out);
    writeOptional(p.getTaskId(), out);
    out.writeLong(p.getEventTime().toEpochMilli());
  }

  /** A {@code ["null", "int"]} union: branch 0 for null, branch 1 and the value otherwise. */
  private static void writeOptional(Integer value, Encoder out) throws IOException {
    if (value == null) {
      out.writeIndex(0);
    } else {
      out.writeIndex(1);
      out.writeInt(value);
    }
  }
}
