package dev.streamcl.flink;

import dev.streamcl.learner.StateCodec;
import dev.streamcl.learner.StateSchema;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink state serializer for a learner state with a versioned Avro schema ({@link StateSchema}): each
 * value is the fingerprint of its schema and the Avro body ({@link StateCodec}), so values of every
 * schema the serializer knows stay readable. Its snapshot records the schema a checkpoint was written
 * with; a restore into a build whose schema Avro can resolve it to (an added field with a default, …) is
 * compatible, anything else is refused before any state is read.
 */
public final class VersionedStateSerializer<T> extends TypeSerializer<T> {
  private static final long serialVersionUID = 1L;

  private final StateSchema<T> mapping;
  /** Schemas of restored values besides the mapping's history (from a savepoint of another build). */
  private final String extraWriterSchema;
  private transient StateCodec<T> codec;

  public VersionedStateSerializer(StateSchema<T> mapping) {
    this(mapping, null);
  }

  private VersionedStateSerializer(StateSchema<T> mapping, String extraWriterSchema) {
    this.mapping = mapping;
    this.extraWriterSchema = extraWriterSchema;
  }

  private StateCodec<T> codec() {
    if (codec == null) {
      codec = new StateCodec<>(mapping);
      if (extraWriterSchema != null) {
        codec.knowWriter(new Schema.Parser().parse(extraWriterSchema));
      }
    }
    return codec;
  }

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<T> duplicate() {
    return new VersionedStateSerializer<>(mapping, extraWriterSchema);
  }

  @Override
  public T createInstance() {
    return null;
  }

  @Override
  public T copy(T from) {
    return from == null ? null : codec().decode(codec().encode(from));
  }

  @Override
  public T copy(T from, T reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(T record, DataOutputView target) throws IOException {
    byte[] bytes = codec().encode(record);
    target.writeInt(bytes.length);
    target.write(bytes);
  }

  @Override
  public T deserialize(DataInputView source) throws IOException {
    byte[] bytes = new byte[source.readInt()];
    source.readFully(bytes);
    return codec().decode(bytes);
  }

  @Override
  public T deserialize(T reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int length = source.readInt();
    target.writeInt(length);
    target.write(source, length);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof VersionedStateSerializer<?> other && mapping.getClass().equals(other.mapping.getClass())
        && java.util.Objects.equals(extraWriterSchema, other.extraWriterSchema);
  }

  @Override
  public int hashCode() {
    return mapping.getClass().hashCode();
  }

  @Override
  public TypeSerializerSnapshot<T> snapshotConfiguration() {
    return new Snapshot<>(mapping, mapping.schema().toString());
  }

  /** The mapping class and the schema values were written with. */
  public static final class Snapshot<T> implements TypeSerializerSnapshot<T> {
    private static final int VERSION = 1;

    private StateSchema<T> mapping;
    private String writerSchema;

    /** For Flink, which reads the snapshot back. */
    public Snapshot() {}

    Snapshot(StateSchema<T> mapping, String writerSchema) {
      this.mapping = mapping;
      this.writerSchema = writerSchema;
    }

    @Override
    public int getCurrentVersion() {
      return VERSION;
    }

    @Override
    public void writeSnapshot(DataOutputView out) throws IOException {
      out.writeUTF(mapping.getClass().getName());
      byte[] schema = writerSchema.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      out.writeInt(schema.length);
      out.write(schema);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader) throws IOException {
      String mappingClass = in.readUTF();
      byte[] schema = new byte[in.readInt()];
      in.readFully(schema);
      writerSchema = new String(schema, java.nio.charset.StandardCharsets.UTF_8);
      try {
        mapping = (StateSchema<T>) Class.forName(mappingClass, true, classLoader).getDeclaredConstructor()
            .newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IOException("The checkpoint's learner state was written by " + mappingClass + ", which this build "
            + "lacks; restore with the build that wrote it, or start fresh", e);
      }
    }

    /** Reads values of the recorded schema into this build's state objects. */
    @Override
    public TypeSerializer<T> restoreSerializer() {
      return new VersionedStateSerializer<>(mapping, writerSchema);
    }

    /**
     * Called on the new serializer's snapshot with the one a checkpoint recorded: the same schema is
     * compatible as is; an older one Avro resolves to ours is read through a serializer that knows it
     * (and writes ours); anything else is incompatible.
     */
    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(TypeSerializerSnapshot<T> old) {
      if (!(old instanceof Snapshot<T> recorded)) {
        return TypeSerializerSchemaCompatibility.incompatible();
      }
      Schema oldSchema = new Schema.Parser().parse(recorded.writerSchema);
      Schema newSchema = new Schema.Parser().parse(writerSchema);
      if (StateCodec.fingerprint(oldSchema) == StateCodec.fingerprint(newSchema)) {
        return TypeSerializerSchemaCompatibility.compatibleAsIs();
      }
      if (!new StateCodec<>(mapping).canRead(oldSchema)) {
        return TypeSerializerSchemaCompatibility.incompatible();
      }
      return TypeSerializerSchemaCompatibility.compatibleWithReconfiguredSerializer(
          new VersionedStateSerializer<>(mapping, recorded.writerSchema));
    }
  }
}
