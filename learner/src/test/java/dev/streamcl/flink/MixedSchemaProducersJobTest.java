package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Sample;
import dev.streamcl.events.SchemaHistory;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.SchemaStore;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Schema evolution on a running pipeline: an old producer (Sample v1, written as a generic record of
 * the v1 history schema, as a client built before v2 sends it) and a new one (Sample v2, with a
 * {@code source}) write interleaved to the same streams; the learner job learns every sample of both.
 * A producer of an unreleased schema is dead-lettered with its fingerprint named, and a consumer whose
 * reader schema is ModelUpdate v2 still reads the v3 records the job writes.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MixedSchemaProducersJobTest {
  private static final List<String> STREAMS = List.of("north", "south");
  private static final int PER_PRODUCER = 60;
  /** The old producer's classes; the new producer's are these plus 2, so each version brings its own. */
  private static final int OLD_LABELS = 2;
  private static final int UNRELEASED_EVERY = 20;
  private static final Schema SAMPLE_V1 = SchemaHistory.versions("Sample").get(0);
  private static final Schema MODEL_UPDATE_V2 = SchemaHistory.versions("ModelUpdate").get(1);
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  private final Map<String, Map<Integer, Long>> expectedCounts = new HashMap<>();
  private int unreleased;
  private String unreleasedFingerprint;

  @Test
  void samplesOfBothVersionsAreLearnedAndAnOlderReaderReadsTheNewModelUpdates() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("mixed-schemas"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    KafkaTopics.create(KafkaBrokerExtension.bootstrap(), 2, topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.alerts().name());
    publishFromBothVersionsAtOnce(clients, topics.samples().name());

    LearnerJobConfig config = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu()))
        .microBatch(16, 50).publishEvery(25).parallelism(2).checkpointIntervalMs(300)
        .learners(NearestClassMeanModel.LEARNER).build();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    KafkaLearnerJob.configure(env, config);
    KafkaLearnerJob.create(clients, topics, config, true).build(env);
    env.execute("mixed-schema-producers-test");

    List<ConsumerRecord<String, byte[]>> updates = readAll(clients, topics.modelUpdates().name());
    for (String stream : STREAMS) {
      ModelUpdate last = newest(updates, stream);
      assertEquals(2L * PER_PRODUCER, last.getSamplesSeen(), "samples of " + stream + " learned");
      assertEquals(expectedCounts.get(stream), classCounts(NearestClassMeanModel.fromUpdate(last)),
          "class counts of " + stream + " (classes 0-1 come from the v1 producer, 2-3 from the v2 producer)");
    }
    int olderReads = assertAnOlderReaderDecodesEveryUpdate(updates);
    List<String> letters = assertOnlyTheUnreleasedSchemaIsDeadLettered(clients, topics.deadLetters().name());
    System.out.printf("Sample v1 and v2 producers interleaved: %d samples per stream learned, %d ModelUpdate v3 "
        + "records read with the v2 reader, %d unreleased-schema records dead-lettered (%s)%n", 2 * PER_PRODUCER,
        olderReads, letters.size(), letters.get(0));
  }

  /** The old and the new producer alternate record by record on both streams; each send is acknowledged. */
  private void publishFromBothVersionsAtOnce(ClientConfigs clients, String topic) throws Exception {
    Random random = new Random(5);
    Schema unreleasedSchema = withRequiredPriority(Sample.getClassSchema());
    byte[] pixels = TestSamples.pixels(0, random);
    assertNotEquals(fingerprint(sampleV1("x", 0, 0, pixels)), fingerprint(sampleV2("x", 0, 0, pixels)),
        "the old producer's header names another schema than the new one's");
    try (KafkaProducer<String, byte[]> oldProducer = new KafkaProducer<>(clients.producer(null));
        KafkaProducer<String, byte[]> newProducer = new KafkaProducer<>(clients.producer(null))) {
      for (int i = 0; i < PER_PRODUCER; i++) {
        for (String stream : STREAMS) {
          int partition = StreamPartitioning.partitionFor(stream, 2);
          int oldLabel = random.nextInt(OLD_LABELS);
          int newLabel = OLD_LABELS + random.nextInt(OLD_LABELS);
          oldProducer.send(new ProducerRecord<>(topic, partition, stream,
              sampleV1(stream, 3L * i, oldLabel, TestSamples.pixels(oldLabel, random)))).get();
          newProducer.send(new ProducerRecord<>(topic, partition, stream,
              sampleV2(stream, 3L * i + 1, newLabel, TestSamples.pixels(newLabel, random)))).get();
          count(stream, oldLabel);
          count(stream, newLabel);
          if (i % UNRELEASED_EVERY == 0) {
            byte[] future = encode(unreleasedSchema, unreleasedSample(unreleasedSchema, stream, 3L * i + 2));
            newProducer.send(new ProducerRecord<>(topic, partition, stream, future)).get();
            unreleasedFingerprint = fingerprint(future);
            unreleased++;
          }
        }
      }
    }
  }

  /** What a producer built against Sample v1 sends: a v1 record, with the v1 fingerprint in its header. */
  private static byte[] sampleV1(String stream, long sequence, int label, byte[] pixels) {
    Schema image = SAMPLE_V1.getField("input").schema().getTypes().stream()
        .filter(t -> t.getName().equals("RawImage")).findFirst().orElseThrow();
    GenericRecord input = new GenericRecordBuilder(image).set("height", TestSamples.SIDE)
        .set("width", TestSamples.SIDE).set("channels", 1).set("pixels", ByteBuffer.wrap(pixels)).build();
    GenericRecord sample = new GenericRecordBuilder(SAMPLE_V1).set("streamId", stream).set("sequence", sequence)
        .set("eventTime", 1_700_000_000_000L + sequence).set("taskId", null).set("label", label)
        .set("input", input).build();
    return encode(SAMPLE_V1, sample);
  }

  private static byte[] sampleV2(String stream, long sequence, int label, byte[] pixels) {
    return EventCodec.samples().encode(Sample.newBuilder(TestSamples.image(stream, sequence, label, pixels))
        .setTaskId(null).setSource("camera-" + stream).build());
  }

  /** A schema no release has: the current Sample plus a required field. */
  private static Schema withRequiredPriority(Schema current) {
    List<Schema.Field> fields = new ArrayList<>();
    current.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.add(new Schema.Field("priority", Schema.create(Schema.Type.INT)));
    return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
  }

  private static GenericRecord unreleasedSample(Schema schema, String stream, long sequence) {
    Schema text = schema.getField("input").schema().getTypes().stream()
        .filter(t -> t.getName().equals("Text")).findFirst().orElseThrow();
    return new GenericRecordBuilder(schema).set("streamId", stream).set("sequence", sequence)
        .set("eventTime", 1_700_000_000_000L + sequence).set("label", 1)
        .set("input", new GenericRecordBuilder(text).set("text", "from the future").build()).set("priority", 9)
        .build();
  }

  /**
   * A consumer generated from ModelUpdate v2 (its reader schema) that registered the released writer
   * schemas reads each v3 record: same fields, and the portable model the v3 digest describes.
   */
  private static int assertAnOlderReaderDecodesEveryUpdate(List<ConsumerRecord<String, byte[]>> updates) {
    SchemaStore.Cache released = new SchemaStore.Cache();
    SchemaHistory.versions("ModelUpdate").forEach(released::addSchema);
    BinaryMessageDecoder<GenericRecord> olderReader = new BinaryMessageDecoder<>(GenericData.get(),
        MODEL_UPDATE_V2, released);
    int read = 0;
    for (ConsumerRecord<String, byte[]> record : updates) {
      ModelUpdate current = EventCodec.modelUpdates().decode(record.value());
      GenericRecord older = decode(olderReader, record.value());
      assertNull(older.getSchema().getField("portableModelSha256"), "read with the v2 schema");
      assertEquals(current.getStreamId(), older.get("streamId").toString());
      assertEquals(current.getModelVersion(), older.get("modelVersion"));
      assertEquals(current.getSamplesSeen(), older.get("samplesSeen"));
      assertEquals(current.getProperties().size(), ((Map<?, ?>) older.get("properties")).size());
      ByteBuffer model = (ByteBuffer) older.get("portableModel");
      assertEquals(current.getPortableModelSha256(), ModelBytes.sha256(model), "v3 digest of the model v2 read");
      assertArrayEquals(bytes(current.getPortableModel()), bytes(model));
      read++;
    }
    return read;
  }

  private List<String> assertOnlyTheUnreleasedSchemaIsDeadLettered(ClientConfigs clients, String topic) {
    List<String> errors = new ArrayList<>();
    for (ConsumerRecord<String, byte[]> record : readAll(clients, topic)) {
      DeadLetter letter = EventCodec.deadLetters().decode(record.value());
      assertEquals(DeadLetterReason.MALFORMED, letter.getReason());
      assertTrue(letter.getError().startsWith("Sample written with a schema this reader does not know (fingerprint "
          + unreleasedFingerprint + ";"), letter.getError());
      errors.add(letter.getError());
    }
    assertEquals(unreleased, errors.size(), "dead letters: " + errors);
    return errors;
  }

  private void count(String stream, int label) {
    expectedCounts.computeIfAbsent(stream, s -> new TreeMap<>()).merge(label, 1L, Long::sum);
  }

  private static Map<Integer, Long> classCounts(NearestClassMeanModel model) {
    Map<Integer, Long> counts = new TreeMap<>();
    for (int row = 0; row < model.labels().length; row++) {
      counts.put(model.labels()[row], model.counts()[row]);
    }
    return counts;
  }

  private static ModelUpdate newest(List<ConsumerRecord<String, byte[]>> updates, String stream) {
    return updates.stream().map(r -> EventCodec.modelUpdates().decode(r.value()))
        .filter(u -> u.getStreamId().equals(stream)).max(Comparator.comparingLong(ModelUpdate::getModelVersion))
        .orElseThrow(() -> new AssertionError("no model update of " + stream));
  }

  private static List<ConsumerRecord<String, byte[]>> readAll(ClientConfigs clients, String topic) {
    try (TopicReader reader = new TopicReader(clients, topic)) {
      return reader.readAll();
    }
  }

  private static GenericRecord decode(BinaryMessageDecoder<GenericRecord> decoder, byte[] bytes) {
    try {
      return decoder.decode(bytes);
    } catch (IOException e) {
      throw new AssertionError("the v2 reader cannot read a record the job wrote", e);
    }
  }

  private static byte[] encode(Schema writer, GenericRecord record) {
    try {
      return bytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** The 8 schema-fingerprint bytes of a single-object-encoded record, as docs/events.md prints them. */
  private static String fingerprint(byte[] record) {
    return HEX.formatHex(record, 2, 10);
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }
}
