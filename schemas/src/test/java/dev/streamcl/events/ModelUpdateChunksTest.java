package dev.streamcl.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class ModelUpdateChunksTest {
  @Test
  void splitChunksStayUnderBudgetAndAssembleToTheOriginal() {
    Random random = new Random(7);
    ModelUpdate update = update(denseAndSparse(random), null);

    int budget = 7 * 12 * Float.BYTES;
    List<ModelUpdate> chunks = new ArrayList<>(ModelUpdateChunks.split(update, budget));
    assertEquals((55 + 6) / 7, chunks.size());
    for (ModelUpdate chunk : chunks) {
      assertTrue(payload(chunk) <= budget, "chunk of " + payload(chunk) + " bytes over budget " + budget);
      assertEquals(chunks.size(), chunk.getChunkCount());
      assertNull(chunk.getPortableModel());
    }
    Collections.shuffle(chunks, random);
    ModelUpdate whole = ModelUpdateChunks.assemble(chunks);
    assertEquals(update, whole);
  }

  @Test
  void aLargePortableModelFillsTheBudgetLeftAndAppendsChunks() {
    Random random = new Random(11);
    int budget = 7 * 12 * Float.BYTES; // 336 bytes; the tensors fill 8 chunks, the last with 6 rows
    byte[] model = new byte[5 * budget + 123];
    random.nextBytes(model);
    ModelUpdate update = update(denseAndSparse(random), ByteBuffer.wrap(model));

    List<ModelUpdate> chunks = new ArrayList<>(ModelUpdateChunks.split(update, budget));
    int tensorChunks = (55 + 6) / 7;
    // 6 rows leave 48 bytes in chunk 7; the rest needs ceil((5·336 + 123 − 48) / 336) appended chunks.
    assertEquals(tensorChunks + (5 * budget + 123 - 48 + budget - 1) / budget, chunks.size());
    ByteArrayBuilder carried = new ByteArrayBuilder();
    for (ModelUpdate chunk : chunks) {
      assertTrue(payload(chunk) <= budget, "chunk " + chunk.getChunkIndex() + " carries " + payload(chunk)
          + " bytes, over budget " + budget);
      assertEquals(chunks.size(), chunk.getChunkCount());
      if (chunk.getChunkIndex() >= tensorChunks) {
        assertTrue(chunk.getTensors().isEmpty(), "appended chunks carry only the portable model");
        assertEquals(Math.min(budget, model.length - carried.size()), chunk.getPortableModel().remaining());
      }
      carried.add(chunk.getPortableModel());
    }
    assertArrayEquals(model, carried.toArray());

    // Through the wire format, in any order.
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    List<ModelUpdate> decoded = new ArrayList<>();
    chunks.forEach(c -> decoded.add(codec.decode(codec.encode(c))));
    Collections.shuffle(decoded, random);
    ModelUpdate whole = ModelUpdateChunks.assemble(decoded);
    assertEquals(update, whole);
    assertArrayEquals(model, bytes(whole.getPortableModel()));
  }

  @Test
  void aPortableModelWithoutTensorsIsCutIntoWholeBudgets() {
    byte[] model = new byte[3 * 1000 + 1];
    new Random(5).nextBytes(model);
    ModelUpdate update = update(List.of(), ByteBuffer.wrap(model));
    List<ModelUpdate> chunks = ModelUpdateChunks.split(update, 1000);
    assertEquals(List.of(1000, 1000, 1000, 1), chunks.stream().map(c -> c.getPortableModel().remaining()).toList());
    assertEquals(update, ModelUpdateChunks.assemble(chunks));
  }

  /**
   * Updates whose portable model fits in what chunk 0's tensors leave of the budget (every NMC and
   * replay snapshot) are cut exactly as before portable models were sliced: the whole model on chunk
   * 0, tensors as before. The records' bytes are compared with the former algorithm (kept below) and
   * their SHA-256 with the digest the former release's ModelUpdateChunks gave for the same updates.
   */
  @Test
  void smallPortableModelsProduceTheSameRecordsAsBefore() throws Exception {
    Random random = new Random(3);
    // Written with the schema of that release (v2), whose fields the current one extends at the end.
    BinaryMessageEncoder<ModelUpdate> v2 = new BinaryMessageEncoder<>(SpecificData.get(),
        SchemaHistory.versions("ModelUpdate").get(1));
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    int records = 0;
    // rows, width, portable bytes, budget
    int[][] cases = {
      {10, 784, 40_000, ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES}, // NMC on pixels: one chunk
      {10, 384, 20_000, ModelUpdateChunks.KAFKA_SAFE_TENSOR_BYTES}, // a head on text features
      {50, 12, 20, 500}, // several tensor chunks; chunk 0's 10 rows of 48 bytes leave 20
      {50, 12, 0, 7 * 12 * Float.BYTES}, // an empty portable model
      {50, 12, -1, 7 * 12 * Float.BYTES}, // none
    };
    for (int[] c : cases) {
      ByteBuffer portable = c[2] < 0 ? null : ByteBuffer.wrap(randomBytes(random, c[2]));
      float[] sums = randomFloats(random, c[0] * c[1]);
      float[] counts = randomFloats(random, c[0]);
      ModelUpdate update = update(List.of(
          NamedTensor.newBuilder().setName("sums").setShape(List.of(c[0], c[1])).setRowIndices(null)
              .setValues(FloatBytes.toBytes(sums)).build(),
          NamedTensor.newBuilder().setName("counts").setShape(List.of(c[0])).setRowIndices(null)
              .setValues(FloatBytes.toBytes(counts)).build()), portable);
      List<ModelUpdate> now = ModelUpdateChunks.split(update, c[3]);
      List<ModelUpdate> before = splitAsBefore(update, c[3]);
      assertEquals(before.size(), now.size(), "chunk count, case " + List.of(c[0], c[1], c[2]));
      for (int i = 0; i < now.size(); i++) {
        byte[] record = bytes(v2.encode(now.get(i)));
        assertArrayEquals(bytes(v2.encode(before.get(i))), record,
            "record bytes of chunk " + i + ", case " + List.of(c[0], c[1], c[2]));
        sha.update(record);
        records++;
      }
      ModelUpdate whole = ModelUpdateChunks.assemble(now);
      assertEquals(update, whole);
    }
    assertEquals(24, records);
    assertEquals(RECORDS_SHA256_BEFORE, HexFormat.of().formatHex(sha.digest()));
  }

  /** SHA-256 of the 24 records above as split by ModelUpdateChunks of commit 5565a51. */
  private static final String RECORDS_SHA256_BEFORE =
      "80ac17c065abf142a05c5124351c4e12af7a000fb1528f680cbb9e144743306e";

  @Test
  void theRecordedDigestCatchesAPortableModelAssembledFromWrongSlices() throws Exception {
    Random random = new Random(13);
    int budget = 7 * 12 * Float.BYTES;
    byte[] model = randomBytes(random, 3 * budget);
    ModelUpdate update = ModelUpdateChunks.withPortableModelDigest(
        update(denseAndSparse(random), ByteBuffer.wrap(model)));
    assertEquals(HexFormat.of().formatHex(sha256(model)), update.getPortableModelSha256());
    List<ModelUpdate> chunks = ModelUpdateChunks.split(update, budget);
    chunks.forEach(c -> assertEquals(update.getPortableModelSha256(), c.getPortableModelSha256()));
    assertEquals(update, ModelUpdateChunks.assemble(chunks));

    List<ModelUpdate> corrupted = new ArrayList<>(chunks);
    ModelUpdate last = corrupted.get(chunks.size() - 1);
    byte[] slice = bytes(last.getPortableModel());
    slice[0] ^= 1;
    corrupted.set(chunks.size() - 1, ModelUpdate.newBuilder(last).setPortableModel(ByteBuffer.wrap(slice)).build());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ModelUpdateChunks.assemble(corrupted));
    assertTrue(e.getMessage().contains("does not match its portableModelSha256"), e.getMessage());
  }

  @Test
  void assemblingChunksWithoutAPortableModelGivesNone() {
    ModelUpdate update = update(denseAndSparse(new Random(1)), null);
    assertNull(ModelUpdateChunks.assemble(ModelUpdateChunks.split(update, 100)).getPortableModel());
  }

  // The split of every release up to the one that sliced portable models: tensors cut as now, the
  // whole portable model on chunk 0.
  private static List<ModelUpdate> splitAsBefore(ModelUpdate update, int maxTensorBytes) {
    List<ModelUpdate> chunks = new ArrayList<>(ModelUpdateChunks.split(
        ModelUpdate.newBuilder(update).setPortableModel(null).build(), maxTensorBytes));
    chunks.sort(Comparator.comparingInt(ModelUpdate::getChunkIndex));
    List<ModelUpdate> result = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      result.add(ModelUpdate.newBuilder(chunks.get(i)).setPortableModel(i == 0 ? update.getPortableModel() : null)
          .build());
    }
    return result;
  }

  private static List<NamedTensor> denseAndSparse(Random random) {
    float[] dense = randomFloats(random, 50 * 12);
    float[] sparse = randomFloats(random, 5 * 12);
    return List.of(
        NamedTensor.newBuilder().setName("values").setShape(List.of(50, 12)).setRowIndices(null)
            .setValues(FloatBytes.toBytes(dense)).build(),
        NamedTensor.newBuilder().setName("touched").setShape(List.of(400, 12))
            .setRowIndices(List.of(3, 9, 27, 81, 243)).setValues(FloatBytes.toBytes(sparse)).build());
  }

  private static int payload(ModelUpdate chunk) {
    int bytes = chunk.getTensors().stream().mapToInt(t -> t.getValues().remaining()).sum();
    return bytes + (chunk.getPortableModel() == null ? 0 : chunk.getPortableModel().remaining());
  }

  private static ModelUpdate update(List<NamedTensor> tensors, ByteBuffer portableModel) {
    return ModelUpdate.newBuilder().setStreamId("s").setLearner("kvb").setModelVersion(3)
        .setKind(UpdateKind.SNAPSHOT).setBaseVersion(null)
        .setEncoderIdentity(new EncoderIdentity("pixels", "abc", 12)).setClasses(List.of(0, 1))
        .setTensors(tensors).setSamplesSeen(10).setLabelledSeen(10).setSourceOffsets(List.of())
        .setCreatedAt(Instant.ofEpochMilli(1)).setPortableModel(portableModel).build();
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  private static byte[] sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private static float[] randomFloats(Random random, int n) {
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = random.nextFloat();
    }
    return values;
  }

  /** The portable-model slices of a chunk sequence, concatenated. */
  private static final class ByteArrayBuilder {
    private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

    void add(ByteBuffer slice) {
      if (slice != null) {
        out.writeBytes(ModelUpdateChunksTest.bytes(slice));
      }
    }

    int size() {
      return out.size();
    }

    byte[] toArray() {
      return out.toByteArray();
    }
  }
}
