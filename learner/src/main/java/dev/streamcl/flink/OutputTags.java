package dev.streamcl.flink;

import dev.streamcl.events.Alert;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.ModelUpdate;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/** Side outputs of the learner job's operators. */
public final class OutputTags {
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));
  public static final OutputTag<ModelUpdate> MODEL_UPDATES =
      new OutputTag<>("model-updates", new AvroTypeInfo<>(ModelUpdate.class));

  public static final OutputTag<Alert> ALERTS = new OutputTag<>("alerts", new AvroTypeInfo<>(Alert.class));

  private OutputTags() {}
}
