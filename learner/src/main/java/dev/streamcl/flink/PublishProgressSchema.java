package dev.streamcl.flink;

import dev.streamcl.learner.StateSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** {@link PublishProgress} in checkpoints and savepoints (schema history: {@code PublishProgress-v*.avsc}). */
public final class PublishProgressSchema extends StateSchema<PublishProgress> {
  private static final long serialVersionUID = 1L;

  public PublishProgressSchema() {
    super("PublishProgress", 2);
  }

  @Override
  public GenericRecord write(PublishProgress p) {
    Schema offsetSchema = schema().getField("offsets").schema().getElementType();
    List<GenericRecord> offsets = new ArrayList<>();
    p.offsets.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> offsets.add(
        new GenericRecordBuilder(offsetSchema).set("partition", e.getKey()).set("offset", e.getValue()).build()));
    return new GenericRecordBuilder(schema())
        .set("version", p.version).set("samplesSeen", p.samplesSeen).set("labelledSeen", p.labelledSeen)
        .set("labelledSincePublish", p.labelledSincePublish).set("samplesSincePublish", p.samplesSincePublish)
        .set("deltasSinceSnapshot", p.deltasSinceSnapshot).set("newestEventTime", p.newestEventTime)
        .set("highestTask", p.highestTask).set("topic", p.topic).set("offsets", offsets)
        .set("quarantined", p.quarantined)
        .build();
  }

  @Override
  @SuppressWarnings("unchecked")
  public PublishProgress read(GenericRecord r) {
    PublishProgress p = new PublishProgress();
    p.version = (Long) r.get("version");
    p.samplesSeen = (Long) r.get("samplesSeen");
    p.labelledSeen = (Long) r.get("labelledSeen");
    p.labelledSincePublish = (Long) r.get("labelledSincePublish");
    p.samplesSincePublish = (Long) r.get("samplesSincePublish");
    p.deltasSinceSnapshot = (Integer) r.get("deltasSinceSnapshot");
    p.newestEventTime = (Long) r.get("newestEventTime");
    p.highestTask = (Integer) r.get("highestTask");
    p.topic = r.get("topic") == null ? null : r.get("topic").toString();
    p.quarantined = r.get("quarantined") == null ? null : r.get("quarantined").toString();
    for (GenericRecord offset : (List<GenericRecord>) r.get("offsets")) {
      p.offsets.put((Integer) offset.get("partition"), (Long) offset.get("offset"));
    }
    return p;
  }
}
