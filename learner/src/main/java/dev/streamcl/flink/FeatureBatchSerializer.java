package dev.streamcl.flink;

import dev.streamcl.learner.FeatureBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Feature batches between the encoder and the learners, their arrays written in bulk. Flink's POJO
 * serializer writes a float array one {@code writeFloat} at a time (784 calls per Fashion-MNIST
 * sample, once per learner the batch goes to), which a profile of the all-learner job showed among
 * the encoder thread's largest costs. Network only: keyed state keeps its POJO serializer.
 */
public final class FeatureBatchSerializer extends TypeSerializer<FeatureBatch> {
  private static final long serialVersionUID = 1L;

  private transient ByteBuffer buffer;

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<FeatureBatch> duplicate() {
    return new FeatureBatchSerializer(); // each has its own buffer
  }

  @Override
  public FeatureBatch createInstance() {
    return new FeatureBatch();
  }

  @Override
  public FeatureBatch copy(FeatureBatch from) {
    return from.slice(0, from.size());
  }

  @Override
  public FeatureBatch copy(FeatureBatch from, FeatureBatch reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(FeatureBatch batch, DataOutputView target) throws IOException {
    int n = batch.size();
    target.writeUTF(batch.streamId);
    target.writeBoolean(batch.topic != null);
    if (batch.topic != null) {
      target.writeUTF(batch.topic);
    }
    target.writeInt(batch.shard);
    target.writeBoolean(batch.control != null);
    if (batch.control != null) {
      target.writeUTF(batch.control);
    }
    target.writeInt(batch.dim);
    target.writeInt(n);
    ByteBuffer bytes = buffer(n * (batch.dim * Float.BYTES + 3 * Long.BYTES + 3 * Integer.BYTES));
    bytes.asFloatBuffer().put(batch.features, 0, n * batch.dim);
    bytes.position(n * batch.dim * Float.BYTES);
    putLongs(bytes, batch.sequences, n);
    putLongs(bytes, batch.eventTimes, n);
    putLongs(bytes, batch.offsets, n);
    putInts(bytes, batch.labels, n);
    putInts(bytes, batch.taskIds, n);
    putInts(bytes, batch.partitions, n);
    target.write(bytes.array(), 0, bytes.position());
  }

  @Override
  public FeatureBatch deserialize(DataInputView source) throws IOException {
    String streamId = source.readUTF();
    String topic = source.readBoolean() ? source.readUTF() : null;
    int shard = source.readInt();
    String control = source.readBoolean() ? source.readUTF() : null;
    int dim = source.readInt();
    int n = source.readInt();
    FeatureBatch batch = FeatureBatch.allocate(streamId, dim, n);
    batch.topic = topic;
    batch.shard = shard;
    batch.control = control;
    ByteBuffer bytes = buffer(n * (dim * Float.BYTES + 3 * Long.BYTES + 3 * Integer.BYTES));
    source.readFully(bytes.array(), 0, bytes.limit());
    bytes.asFloatBuffer().get(batch.features);
    bytes.position(n * dim * Float.BYTES);
    getLongs(bytes, batch.sequences);
    getLongs(bytes, batch.eventTimes);
    getLongs(bytes, batch.offsets);
    getInts(bytes, batch.labels);
    getInts(bytes, batch.taskIds);
    getInts(bytes, batch.partitions);
    return batch;
  }

  @Override
  public FeatureBatch deserialize(FeatureBatch reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    serialize(deserialize(source), target);
  }

  /** A buffer of at least {@code size} bytes, its limit at {@code size}, position 0. */
  private ByteBuffer buffer(int size) {
    if (buffer == null || buffer.capacity() < size) {
      buffer = ByteBuffer.allocate(Math.max(size, 64 * 1024)).order(ByteOrder.LITTLE_ENDIAN);
    }
    buffer.clear().limit(size);
    return buffer;
  }

  private static void putLongs(ByteBuffer bytes, long[] values, int n) {
    bytes.asLongBuffer().put(values, 0, n);
    bytes.position(bytes.position() + n * Long.BYTES);
  }

  private static void putInts(ByteBuffer bytes, int[] values, int n) {
    bytes.asIntBuffer().put(values, 0, n);
    bytes.position(bytes.position() + n * Integer.BYTES);
  }

  private static void getLongs(ByteBuffer bytes, long[] values) {
    bytes.asLongBuffer().get(values);
    bytes.position(bytes.position() + values.length * Long.BYTES);
  }

  private static void getInts(ByteBuffer bytes, int[] values) {
    bytes.asIntBuffer().get(values);
    bytes.position(bytes.position() + values.length * Integer.BYTES);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureBatchSerializer;
  }

  @Override
  public int hashCode() {
    return FeatureBatchSerializer.class.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<FeatureBatch> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Stateless format: restoring needs nothing but the class. */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<FeatureBatch> {
    public Snapshot() {
      super(FeatureBatchSerializer::new);
    }
  }
}
