package dev.streamcl.flink;

import dev.streamcl.events.Alert;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.ModelUpdate;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.OutputTag;

/** Side outputs of the learner job's operators. */
public final class OutputTags {
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", new AvroTypeInfo<>(DeadLetter.class));
  public static final OutputTag<ModelUpdate> MODEL_UPDATES =
      new OutputTag<>("model-updates", new AvroTypeInfo<>(ModelUpdate.class));

  public static final OutputTag<Alert> ALERTS = new OutputTag<>("alerts", new AvroTypeInfo<>(Alert.class));
  /** Each shard's part of a version, from the subtasks one stream is spread over, to their merge. */
  public static final OutputTag<ShardState> SHARD_STATES =
      new OutputTag<>("shard-states", TypeInformation.of(ShardState.class));

  private OutputTags() {}
}
