package dev.streamcl.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ModelUpdateChunksTest {
  @Test
  void splitChunksStayUnderBudgetAndAssembleToTheOriginal() {
    Random random = new Random(7);
    float[] dense = randomFloats(random, 50 * 12);
    float[] sparse = randomFloats(random, 5 * 12);
    ModelUpdate update = update(List.of(
        NamedTensor.newBuilder().setName("values").setShape(List.of(50, 12)).setRowIndices(null)
            .setValues(FloatBytes.toBytes(dense)).build(),
        NamedTensor.newBuilder().setName("touched").setShape(List.of(400, 12))
            .setRowIndices(List.of(3, 9, 27, 81, 243)).setValues(FloatBytes.toBytes(sparse)).build()));

    int budget = 7 * 12 * Float.BYTES;
    List<ModelUpdate> chunks = new ArrayList<>(ModelUpdateChunks.split(update, budget));
    assertEquals((55 + 6) / 7, chunks.size());
    for (ModelUpdate chunk : chunks) {
      int bytes = chunk.getTensors().stream().mapToInt(t -> t.getValues().remaining()).sum();
      assertTrue(bytes <= budget, "chunk of " + bytes + " bytes over budget " + budget);
      assertEquals(chunks.size(), chunk.getChunkCount());
    }
    Collections.shuffle(chunks, random);
    ModelUpdate whole = ModelUpdateChunks.assemble(chunks);
    assertEquals(update, whole);
  }

  private static ModelUpdate update(List<NamedTensor> tensors) {
    return ModelUpdate.newBuilder().setStreamId("s").setLearner("kvb").setModelVersion(3)
        .setKind(UpdateKind.SNAPSHOT).setBaseVersion(null)
        .setEncoderIdentity(new EncoderIdentity("pixels", "abc", 12)).setClasses(List.of(0, 1))
        .setTensors(tensors).setSamplesSeen(10).setLabelledSeen(10).setSourceOffsets(List.of())
        .setCreatedAt(Instant.ofEpochMilli(1)).build();
  }

  private static float[] randomFloats(Random random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = random.nextFloat();
    }
    return values;
  }
}
