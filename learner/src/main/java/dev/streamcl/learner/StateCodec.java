package dev.streamcl.learner;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Learner state as bytes: the 8-byte CRC-64-AVRO fingerprint of the writer schema (little-endian,
 * as in Avro single-object encoding) and the Avro binary body. Every value names its schema, so one
 * codec reads values of every schema it knows — the state's history plus any a savepoint brought —
 * and writes the newest. Not thread-safe: each serializer instance has its own.
 */
public final class StateCodec<S> {
  private final StateSchema<S> mapping;
  private final Schema schema;
  private final long fingerprint;
  private final Map<Long, Schema> writers = new HashMap<>();
  private final GenericDatumWriter<GenericRecord> writer;
  private final Map<Long, GenericDatumReader<GenericRecord>> readers = new HashMap<>();
  private BinaryEncoder encoder;
  private BinaryDecoder decoder;

  public StateCodec(StateSchema<S> mapping) {
    this.mapping = mapping;
    this.schema = mapping.schema();
    this.fingerprint = fingerprint(schema);
    mapping.history().forEach(this::knowWriter);
    this.writer = new GenericDatumWriter<>(schema);
  }

  /** Whether a value written with {@code writerSchema} can be read into the newest schema. */
  public boolean canRead(Schema writerSchema) {
    return SchemaCompatibility.checkReaderWriterCompatibility(schema, writerSchema).getType()
        == SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE;
  }

  /** Also reads values written with {@code writerSchema} (a schema a savepoint recorded). */
  public StateCodec<S> knowWriter(Schema writerSchema) {
    writers.put(fingerprint(writerSchema), writerSchema);
    return this;
  }

  public byte[] encode(S state) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer header = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(fingerprint);
    out.writeBytes(header.array());
    encoder = EncoderFactory.get().binaryEncoder(out, encoder);
    try {
      writer.write(mapping.write(state), encoder);
      encoder.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public S decode(byte[] bytes) {
    long written = ByteBuffer.wrap(bytes, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Schema writerSchema = writers.get(written);
    if (writerSchema == null) {
      throw new IllegalStateException("Learner state written with an unknown schema (fingerprint "
          + Long.toHexString(written) + "), not one of " + mapping.getClass().getSimpleName() + "'s: restore with the "
          + "build that wrote it, or start fresh");
    }
    GenericDatumReader<GenericRecord> reader =
        readers.computeIfAbsent(written, w -> new GenericDatumReader<>(writerSchema, schema));
    decoder = DecoderFactory.get().binaryDecoder(bytes, Long.BYTES, bytes.length - Long.BYTES, decoder);
    try {
      return mapping.read(reader.read(null, decoder));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }
}
