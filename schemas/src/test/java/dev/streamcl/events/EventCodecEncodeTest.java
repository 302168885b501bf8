package dev.streamcl.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/** {@link EventCodec#encode} writes its own buffer; Avro's {@link BinaryMessageEncoder} is the reference. */
class EventCodecEncodeTest {
  private static final int RECORDS_PER_EVENT = 40;

  @Test
  void everyEventEncodesByteForByteAsAvrosMessageEncoder() {
    check(EventCodec.samples(), Sample.getClassSchema());
    check(EventCodec.modelUpdates(), ModelUpdate.getClassSchema());
    check(EventCodec.predictions(), Prediction.getClassSchema());
    check(EventCodec.deadLetters(), DeadLetter.getClassSchema());
    check(EventCodec.evalResults(), EvalResult.getClassSchema());
    check(EventCodec.learnerThroughputs(), LearnerThroughput.getClassSchema());
    check(EventCodec.alerts(), Alert.getClassSchema());
  }

  @Test
  void aPredictionWithNonAsciiNamesNoScoresAndNegativeValuesToo() {
    EventCodec<Prediction> codec = EventCodec.predictions();
    Prediction prediction = new Prediction("strøm-流", -1L, PredictionSource.SERVING, "nmc/ü", Long.MAX_VALUE, -7,
        List.of(), null, Integer.MIN_VALUE, Instant.ofEpochMilli(-1));
    assertArrayEquals(bytes(new BinaryMessageEncoder<>(SpecificData.getForClass(Prediction.class),
        Prediction.getClassSchema()), prediction), codec.encode(prediction));
  }

  private static <T extends SpecificRecord> void check(EventCodec<T> codec, Schema schema) {
    BinaryMessageEncoder<GenericRecord> generic = new BinaryMessageEncoder<>(GenericData.get(), schema);
    BinaryMessageEncoder<T> reference = new BinaryMessageEncoder<>(SpecificData.getForClass(codec.type()), schema);
    Random random = new Random(schema.getFullName().hashCode());
    byte[] previous = null;
    byte[] previousCopy = null;
    for (int i = 0; i < RECORDS_PER_EVENT; i++) {
      T event = codec.decode(bytes(generic, (GenericRecord) RandomRecords.value(schema, random)));
      byte[] ours = codec.encode(event);
      assertArrayEquals(bytes(reference, event), ours, schema.getName() + " #" + i);
      if (previous != null) {
        assertArrayEquals(previousCopy, previous, "an encoded event must not change when the next is encoded");
      }
      previous = ours;
      previousCopy = ours.clone();
    }
  }

  private static <R> byte[] bytes(BinaryMessageEncoder<R> encoder, R record) {
    try {
      ByteBuffer buffer = encoder.encode(record);
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
