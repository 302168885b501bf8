package dev.streamcl.learner.nmc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NearestClassMeanModelTest {
  private static final int DIM = 5;
  private static final EncoderIdentity ENCODER = new EncoderIdentity("pixels-1x5", "ab12", DIM);

  private static ClassMeanState state() {
    Random random = new Random(13);
    ClassMeanState state = new ClassMeanState(DIM);
    for (int i = 0; i < 40; i++) {
      float[] x = new float[DIM];
      for (int k = 0; k < DIM; k++) {
        x[k] = (float) random.nextGaussian();
      }
      state.add(x, 0, 100 + random.nextInt(3));
    }
    return state;
  }

  @Test
  void snapshotRoundTripsThroughAvroBytes() throws Exception {
    ClassMeanState state = state();
    NearestClassMeanModel model = NearestClassMeanModel.of(state, ENCODER);
    Instant created = Instant.ofEpochMilli(1_700_000_000_123L);
    List<SourceOffset> offsets = List.of(new SourceOffset("streamcl.samples", 2, 41L));
    ModelUpdate update = model.toSnapshot("s1", 7, 45, 40, offsets, created);

    ModelUpdate decoded = ModelUpdate.fromByteBuffer(update.toByteBuffer());
    assertEquals("nmc", decoded.getLearner());
    assertEquals(UpdateKind.SNAPSHOT, decoded.getKind());
    assertEquals(7, decoded.getModelVersion());
    assertEquals(created, decoded.getCreatedAt());
    assertEquals(offsets, decoded.getSourceOffsets());
    NamedTensor sums = decoded.getTensors().get(0);
    assertEquals("classSums", sums.getName());
    assertEquals(List.of(state.classCount(), DIM), sums.getShape());
    assertNull(sums.getRowIndices());

    NearestClassMeanModel back = NearestClassMeanModel.fromUpdate(decoded);
    assertEquals(model, back);
    assertArrayEquals(state.labels(), back.labels());
    assertArrayEquals(state.counts(), back.counts());
    double[] expected = state.sums();
    float[] actual = back.sums();
    for (int i = 0; i < expected.length; i++) {
      assertEquals((float) expected[i], actual[i], 0f);
    }
    assertEquals(state.labelledSeen(), back.toState(45).labelledSeen());
  }

  @Test
  void fromUpdateRejectsWrongNamesAndShapes() {
    ModelUpdate update = NearestClassMeanModel.of(state(), ENCODER)
        .toSnapshot("s1", 1, 40, 40, List.of(), Instant.EPOCH);

    ModelUpdate renamed = ModelUpdate.newBuilder(update).build();
    renamed.getTensors().set(0, NamedTensor.newBuilder(update.getTensors().get(0)).setName("sums").build());
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> NearestClassMeanModel.fromUpdate(renamed));
    assertTrue(missing.getMessage().contains("classSums"), missing.getMessage());

    ModelUpdate reshaped = ModelUpdate.newBuilder(update).build();
    reshaped.getTensors().set(1, NamedTensor.newBuilder(update.getTensors().get(1))
        .setShape(List.of(2)).setValues(FloatBytes.toBytes(new float[] {1, 2})).build());
    IllegalArgumentException shape =
        assertThrows(IllegalArgumentException.class, () -> NearestClassMeanModel.fromUpdate(reshaped));
    assertTrue(shape.getMessage().contains("classCounts") && shape.getMessage().contains("[3]"), shape.getMessage());

    ModelUpdate otherLearner = ModelUpdate.newBuilder(update).setLearner("kvb").build();
    assertThrows(IllegalArgumentException.class, () -> NearestClassMeanModel.fromUpdate(otherLearner));

    ModelUpdate shortValues = ModelUpdate.newBuilder(update).build();
    shortValues.getTensors().set(0, NamedTensor.newBuilder(update.getTensors().get(0))
        .setValues(ByteBuffer.wrap(new byte[8])).build());
    assertThrows(IllegalArgumentException.class, () -> NearestClassMeanModel.fromUpdate(shortValues));
  }
}
