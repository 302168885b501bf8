package dev.streamcl.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The compatibility harness: records written with EVERY released schema version must decode with
 * the current reader. A schema change adds a history file; this test then covers it automatically.
 */
class SchemaHistoryTest {
  private static final int RECORDS_PER_VERSION = 25;

  @TestFactory
  List<DynamicTest> everyReleasedVersionDecodesWithTheCurrentReader() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String event : SchemaHistory.eventNames()) {
      List<Schema> versions = SchemaHistory.versions(event);
      for (int v = 0; v < versions.size(); v++) {
        Schema writer = versions.get(v);
        tests.add(DynamicTest.dynamicTest(event + " v" + (v + 1), () -> roundTrip(event, writer)));
      }
    }
    return tests;
  }

  @Test
  void currentSchemaIsTheNewestReleasedVersion() {
    for (String event : SchemaHistory.eventNames()) {
      List<Schema> versions = SchemaHistory.versions(event);
      Schema current = currentSchema(event);
      // Parsing canonical form: what the single-object fingerprint covers (Java-only props excluded).
      assertEquals(SchemaNormalization.toParsingForm(versions.get(versions.size() - 1)),
          SchemaNormalization.toParsingForm(current),
          event + ".avsc changed without a new history file: copy it to history/" + event + "-v"
              + (versions.size() + 1) + ".avsc and bump SchemaHistory.RELEASES");
    }
  }

  @Test
  void malformedBytesSayWhatIsWrong() {
    EventCodec<Sample> samples = EventCodec.samples();
    MalformedEventException e = assertThrows(MalformedEventException.class,
        () -> samples.decode(new byte[] {1, 2, 3, 4, 5}));
    assertTrue(e.getMessage().contains("single-object"), e.getMessage());
  }

  @Test
  void aRecordOfAnUnreleasedSchemaNamesItsFingerprintAndTheReleasedOnes() throws Exception {
    Schema unreleased = SchemaBuilder.record("Sample").namespace("dev.streamcl.events").fields()
        .requiredString("streamId").requiredLong("sequence").endRecord();
    GenericRecord sample = new GenericRecordBuilder(unreleased).set("streamId", "s").set("sequence", 1L).build();
    byte[] bytes = toArray(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), unreleased).encode(sample));

    MalformedEventException e = assertThrows(MalformedEventException.class, () -> EventCodec.samples().decode(bytes));
    String fingerprint = HexFormat.ofDelimiter(" ").formatHex(bytes, 2, 10);
    String released = HexFormat.ofDelimiter(" ").formatHex(EventCodec.samples().encode(sampleOfTheCurrentVersion()),
        2, 10);
    assertTrue(e.getMessage().startsWith("Sample written with a schema this reader does not know (fingerprint "
        + fingerprint + ";"), e.getMessage());
    assertTrue(e.getMessage().contains("v" + SchemaHistory.versions("Sample").size() + " " + released),
        "lists the released fingerprints: " + e.getMessage());
    assertTrue(e.getMessage().contains("upgrade the reader"), e.getMessage());
  }

  private static Sample sampleOfTheCurrentVersion() {
    return Sample.newBuilder().setStreamId("s").setSequence(0).setEventTime(Instant.EPOCH)
        .setInput(new Text("hello")).build();
  }

  private static void roundTrip(String event, Schema writer) throws Exception {
    Schema current = currentSchema(event);
    SchemaStore.Cache store = new SchemaStore.Cache();
    store.addSchema(writer);
    BinaryMessageEncoder<GenericRecord> encoder = new BinaryMessageEncoder<>(GenericData.get(), writer);
    BinaryMessageDecoder<GenericRecord> genericReader = new BinaryMessageDecoder<>(GenericData.get(), current, store);
    Random random = new Random(event.hashCode());
    for (int i = 0; i < RECORDS_PER_VERSION; i++) {
      GenericRecord written = (GenericRecord) RandomRecords.value(writer, random);
      byte[] bytes = toArray(encoder.encode(written));
      SpecificRecord decoded = codec(event).get().decode(bytes);
      assertNotNull(decoded);
      GenericRecord read = genericReader.decode(bytes);
      for (Schema.Field field : writer.getFields()) {
        if (current.getField(field.name()) != null) {
          assertEquals(normalized(written.get(field.name())), normalized(read.get(field.name())),
              event + "." + field.name() + " changed meaning between versions");
        }
      }
    }
  }

  private static Supplier<EventCodec<? extends SpecificRecord>> codec(String event) {
    return switch (event) {
      case "Sample" -> EventCodec::samples;
      case "ModelUpdate" -> EventCodec::modelUpdates;
      case "Prediction" -> EventCodec::predictions;
      case "DeadLetter" -> EventCodec::deadLetters;
      case "EvalResult" -> EventCodec::evalResults;
      case "LearnerThroughput" -> EventCodec::learnerThroughputs;
      case "Alert" -> EventCodec::alerts;
      default -> throw new IllegalArgumentException("No codec for " + event);
    };
  }

  private static Schema currentSchema(String event) {
    return switch (event) {
      case "Sample" -> Sample.getClassSchema();
      case "ModelUpdate" -> ModelUpdate.getClassSchema();
      case "Prediction" -> Prediction.getClassSchema();
      case "DeadLetter" -> DeadLetter.getClassSchema();
      case "EvalResult" -> EvalResult.getClassSchema();
      case "LearnerThroughput" -> LearnerThroughput.getClassSchema();
      case "Alert" -> Alert.getClassSchema();
      default -> throw new IllegalArgumentException("No current schema for " + event);
    };
  }

  /** Compares values, not representations: map order and Utf8-vs-String do not matter. */
  private static Object normalized(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> sorted = new TreeMap<>();
      map.forEach((k, v) -> sorted.put(k.toString(), normalized(v)));
      return sorted;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(SchemaHistoryTest::normalized).toList();
    }
    if (value instanceof GenericRecord record) {
      Map<String, Object> fields = new TreeMap<>();
      record.getSchema().getFields().forEach(f -> fields.put(f.name(), normalized(record.get(f.name()))));
      return fields;
    }
    return String.valueOf(value);
  }

  private static byte[] toArray(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    return bytes;
  }
}
