package dev.streamcl.learner.replay;

import dev.streamcl.learner.StateSchema;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;

/** {@link ReplayHeadState} in checkpoints and savepoints (schema history: {@code ReplayHeadState-v*.avsc}). */
public final class ReplayHeadStateSchema extends StateSchema<ReplayHeadState> {
  private static final long serialVersionUID = 1L;

  public ReplayHeadStateSchema() {
    super("ReplayHeadState", 1);
  }

  @Override
  public GenericRecord write(ReplayHeadState state) {
    SoftmaxHead head = state.head();
    GenericRecord headRecord = new GenericRecordBuilder(schema().getField("head").schema())
        .set("dim", head.dim()).set("labels", list(head.labels()))
        .set("weights", floats(head.weightsView())).set("bias", floats(head.biasView()))
        .build();
    return new GenericRecordBuilder(schema()).set("head", headRecord).set("memory", memory(state.memory())).build();
  }

  @Override
  public ReplayHeadState read(GenericRecord record) {
    GenericRecord head = (GenericRecord) record.get("head");
    SoftmaxHead softmaxHead = SoftmaxHead.of((Integer) head.get("dim"), ints(head.get("labels")),
        floats(head.get("weights")), floats(head.get("bias")));
    return new ReplayHeadState(softmaxHead, memory((GenericRecord) record.get("memory")));
  }

  private GenericRecord memory(ReplayMemory memory) {
    if (memory instanceof ReplayBuffer b) {
      return new GenericRecordBuilder(branch("ReplayBuffer"))
          .set("policy",
              new GenericData.EnumSymbol(branch("ReplayBuffer").getField("policy").schema(), b.policy().name()))
          .set("dim", b.dim()).set("capacity", b.capacity()).set("randomState", b.randomState())
          .set("features", floats(b.storedFeatures())).set("labels", list(b.storedLabels()))
          .set("offered", b.offered()).set("classLabels", list(b.classLabels()))
          .set("classOffered", list(b.classOffered()))
          .build();
    }
    if (memory instanceof PseudoFeatureReplay p) {
      return new GenericRecordBuilder(branch("PseudoFeatureReplay"))
          .set("dim", p.dim()).set("randomState", p.randomState()).set("labels", list(p.labels()))
          .set("sums", doubles(p.sums())).set("counts", list(p.counts()))
          .build();
    }
    if (memory instanceof ReplayMemory.NoReplay none) {
      return new GenericRecordBuilder(branch("NoReplay")).set("dim", none.dim()).build();
    }
    throw new IllegalArgumentException("No state schema for replay memory " + memory.getClass().getName());
  }

  private static ReplayMemory memory(GenericRecord record) {
    String kind = record.getSchema().getName();
    return switch (kind) {
      case "ReplayBuffer" -> ReplayBuffer.restore(ReplayBuffer.Policy.valueOf(record.get("policy").toString()),
          (Integer) record.get("dim"), (Integer) record.get("capacity"), (Long) record.get("randomState"),
          floats(record.get("features")), ints(record.get("labels")), (Long) record.get("offered"),
          ints(record.get("classLabels")), longs(record.get("classOffered")));
      case "PseudoFeatureReplay" -> PseudoFeatureReplay.restore((Integer) record.get("dim"),
          (Long) record.get("randomState"), ints(record.get("labels")), doubles(record.get("sums")),
          longs(record.get("counts")));
      case "NoReplay" -> ReplayMemory.none((Integer) record.get("dim"));
      default -> throw new IllegalArgumentException("Unknown replay memory record " + kind);
    };
  }

  private Schema branch(String name) {
    return schema().getField("memory").schema().getTypes().stream().filter(s -> s.getName().equals(name))
        .findFirst().orElseThrow();
  }
}
