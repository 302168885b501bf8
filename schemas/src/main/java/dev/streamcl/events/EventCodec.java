package dev.streamcl.events;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding ({@code C3 01}, 8-byte schema fingerprint, body) for one event type.
 * The decoder knows every released writer schema (see {@link SchemaHistory}), so no registry is needed.
 * Encoders and decoders are not thread-safe; make one per thread or operator instance.
 */
public final class EventCodec<T extends SpecificRecord> {
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");
  /** Bytes before the fingerprint: the single-object marker {@code C3 01}. */
  private static final int MARKER_BYTES = 2;
  private static final int FINGERPRINT_BYTES = Long.BYTES;
  private static final int HEADER_BYTES = MARKER_BYTES + FINGERPRINT_BYTES;
  private static final byte[] MARKER = {(byte) 0xC3, 0x01};

  private final Class<T> type;
  private final List<Schema> released;
  // Avro's BinaryMessageEncoder writes the body through an unbuffered encoder and copies the result twice;
  // the learner job encodes one prediction per sample, so this writes the same bytes into one reused buffer.
  private final byte[] header;
  private final DatumWriter<T> writer;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
  private BinaryEncoder bodyOut;
  private final BinaryMessageDecoder<T> decoder;
  // The fast path of decode: one resolving reader per released writer schema, fed from the array itself
  // (BinaryMessageDecoder reads the body through an unbuffered stream, byte by byte).
  private final Map<Long, SpecificDatumReader<T>> readers = new HashMap<>();
  private BinaryDecoder body;

  private EventCodec(Class<T> type, Schema current, String eventName) {
    this(type, current, eventName, new SpecificDatumWriter<>(current, SpecificData.getForClass(type)));
  }

  private EventCodec(Class<T> type, Schema current, String eventName, DatumWriter<T> writer) {
    this.type = type;
    this.released = SchemaHistory.versions(eventName);
    SchemaStore.Cache store = new SchemaStore.Cache();
    released.forEach(store::addSchema);
    SpecificData model = SpecificData.getForClass(type);
    this.header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN).put(MARKER)
        .putLong(SchemaNormalization.parsingFingerprint64(current)).array();
    this.writer = writer;
    this.decoder = new BinaryMessageDecoder<>(model, current, store);
    for (Schema writerSchema : released) {
      readers.put(SchemaNormalization.parsingFingerprint64(writerSchema),
          new SpecificDatumReader<>(writerSchema, current, model));
    }
  }

  public static EventCodec<Sample> samples() {
    return new EventCodec<>(Sample.class, Sample.getClassSchema(), "Sample");
  }

  public static EventCodec<ModelUpdate> modelUpdates() {
    return new EventCodec<>(ModelUpdate.class, ModelUpdate.getClassSchema(), "ModelUpdate");
  }

  public static EventCodec<Prediction> predictions() {
    return new EventCodec<>(Prediction.class, Prediction.getClassSchema(), "Prediction", new PredictionWriter());
  }

  public static EventCodec<DeadLetter> deadLetters() {
    return new EventCodec<>(DeadLetter.class, DeadLetter.getClassSchema(), "DeadLetter");
  }

  public static EventCodec<EvalResult> evalResults() {
    return new EventCodec<>(EvalResult.class, EvalResult.getClassSchema(), "EvalResult");
  }

  public static EventCodec<LearnerThroughput> learnerThroughputs() {
    return new EventCodec<>(LearnerThroughput.class, LearnerThroughput.getClassSchema(), "LearnerThroughput");
  }

  public static EventCodec<Alert> alerts() {
    return new EventCodec<>(Alert.class, Alert.getClassSchema(), "Alert");
  }

  public Class<T> type() {
    return type;
  }

  /** Avro single-object encoding with the current schema, byte for byte what {@code BinaryMessageEncoder} writes. */
  public byte[] encode(T event) {
    try {
      out.reset();
      out.write(header);
      bodyOut = EncoderFactory.get().binaryEncoder(out, bodyOut);
      writer.write(event, bodyOut);
      bodyOut.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode " + type.getSimpleName(), e);
    }
  }

  /** Decodes one event, or throws {@link MalformedEventException} saying what is wrong with the bytes. */
  public T decode(byte[] bytes) {
    if (bytes == null) {
      throw new MalformedEventException("Empty record value where a " + type.getSimpleName() + " was expected", null);
    }
    try {
      SpecificDatumReader<T> reader = bytes.length >= HEADER_BYTES && bytes[0] == MARKER[0] && bytes[1] == MARKER[1]
          ? readers.get(ByteBuffer.wrap(bytes, MARKER_BYTES, FINGERPRINT_BYTES).order(ByteOrder.LITTLE_ENDIAN)
              .getLong())
          : null;
      if (reader == null) {
        return decoder.decode(bytes); // says what is wrong with the header
      }
      body = DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, body);
      return reader.read(null, body);
    } catch (MissingSchemaException e) {
      throw new MalformedEventException(type.getSimpleName() + " written with a schema this reader does not know "
          + "(fingerprint " + HEX.formatHex(bytes, MARKER_BYTES, MARKER_BYTES + FINGERPRINT_BYTES) + "; released "
          + knownFingerprints() + "): upgrade the reader to a release that has the writer's schema, or have the "
          + "producer write a released version (docs/events.md lists them)", e);
    } catch (IOException | RuntimeException e) {
      throw new MalformedEventException("Not a single-object-encoded " + type.getSimpleName() + " ("
          + bytes.length + " bytes): " + e.getMessage()
          + ". Producers must write Avro single-object encoding with a released schema.", e);
    }
  }

  /** Released versions with their fingerprints as they appear in a record's header. */
  private String knownFingerprints() {
    StringJoiner known = new StringJoiner(", ");
    for (int v = 0; v < released.size(); v++) {
      long fingerprint = SchemaNormalization.parsingFingerprint64(released.get(v));
      byte[] header = ByteBuffer.allocate(FINGERPRINT_BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(fingerprint)
          .array();
      known.add("v" + (v + 1) + " " + HEX.formatHex(header));
    }
    return known.toString();
  }
}
