package dev.streamcl.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelDeltasTest {
  @Test
  void deltaRowsReplaceBaseRowsAndNewRowsGrowTheTensor() {
    ModelUpdate base = update(4, UpdateKind.SNAPSHOT, null,
        tensor(List.of(3, 2), null, new float[] {0, 0, 1, 1, 2, 2}));
    ModelUpdate delta = update(5, UpdateKind.DELTA, 4L,
        tensor(List.of(4, 2), List.of(1, 3), new float[] {10, 11, 30, 31}));

    ModelUpdate applied = ModelDeltas.apply(base, delta);

    assertEquals(5, applied.getModelVersion());
    assertEquals(UpdateKind.SNAPSHOT, applied.getKind());
    assertArrayEquals(new float[] {0, 0, 10, 11, 2, 2, 30, 31},
        FloatBytes.toFloats(applied.getTensors().get(0).getValues()));
    assertEquals(List.of(4, 2), applied.getTensors().get(0).getShape());
  }

  @Test
  void aDeltaOnAnotherBaseIsRefused() {
    ModelUpdate base = update(4, UpdateKind.SNAPSHOT, null, tensor(List.of(1, 2), null, new float[] {0, 0}));
    ModelUpdate delta = update(6, UpdateKind.DELTA, 5L, tensor(List.of(1, 2), List.of(0), new float[] {1, 1}));
    assertThrows(IllegalArgumentException.class, () -> ModelDeltas.apply(base, delta));
  }

  private static NamedTensor tensor(List<Integer> shape, List<Integer> rows, float[] values) {
    return NamedTensor.newBuilder().setName("values").setShape(shape).setRowIndices(rows)
        .setValues(FloatBytes.toBytes(values)).build();
  }

  private static ModelUpdate update(long version, UpdateKind kind, Long base, NamedTensor tensor) {
    return ModelUpdate.newBuilder().setStreamId("s").setLearner("kvb").setModelVersion(version).setKind(kind)
        .setBaseVersion(base).setEncoderIdentity(new EncoderIdentity("pixels", "abc", 2)).setClasses(List.of(0, 1))
        .setTensors(List.of(tensor)).setSamplesSeen(1).setLabelledSeen(1).setSourceOffsets(List.of())
        .setCreatedAt(Instant.ofEpochMilli(1)).build();
  }
}
