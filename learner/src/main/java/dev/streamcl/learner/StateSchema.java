package dev.streamcl.learner;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A learner state's versioned Avro schema and its mapping to and from the state object. Every released
 * schema stays in the history (resources {@code <Name>-v1.avsc}, {@code -v2}, … beside the subclass), so
 * a savepoint written by an older build stays readable: Avro resolves an old record to the newest
 * schema (added fields take their defaults), and {@link StateCodec} tells a compatible change from an
 * incompatible one. Subclasses need a public no-argument constructor: a restore names them.
 */
public abstract class StateSchema<S> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final int versions;
  private transient List<Schema> history;

  /** Reads {@code <name>-v1.avsc} … {@code <name>-v<versions>.avsc} beside the subclass. */
  protected StateSchema(String name, int versions) {
    this.name = name;
    this.versions = versions;
  }

  /** The newest schema: what this build writes. */
  public Schema schema() {
    List<Schema> all = history();
    return all.get(all.size() - 1);
  }

  /** Every released schema, oldest first. */
  public List<Schema> history() {
    if (history == null) {
      List<Schema> loaded = new ArrayList<>();
      for (int v = 1; v <= versions; v++) {
        loaded.add(load(name + "-v" + v + ".avsc"));
      }
      history = List.copyOf(loaded);
    }
    return history;
  }

  /** The state as a record of {@link #schema()}. */
  public abstract GenericRecord write(S state);

  /** The state of a record resolved to {@link #schema()}. */
  public abstract S read(GenericRecord record);

  private Schema load(String resource) {
    try (InputStream in = getClass().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("State schema " + resource + " is missing beside " + getClass().getName());
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Little-endian float32 bytes, as model-update tensors carry them. */
  protected static ByteBuffer floats(float[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return bytes;
  }

  protected static float[] floats(Object field) {
    ByteBuffer bytes = ((ByteBuffer) field).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[bytes.remaining() / Float.BYTES];
    bytes.asFloatBuffer().get(values);
    return values;
  }

  /** Little-endian float64 bytes: running sums keep double precision. */
  protected static ByteBuffer doubles(double[] values) {
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asDoubleBuffer().put(values);
    return bytes;
  }

  protected static double[] doubles(Object field) {
    ByteBuffer bytes = ((ByteBuffer) field).duplicate().order(ByteOrder.LITTLE_ENDIAN);
    double[] values = new double[bytes.remaining() / Double.BYTES];
    bytes.asDoubleBuffer().get(values);
    return values;
  }

  protected static List<Integer> list(int[] values) {
    List<Integer> list = new ArrayList<>(values.length);
    for (int v : values) {
      list.add(v);
    }
    return list;
  }

  protected static List<Long> list(long[] values) {
    List<Long> list = new ArrayList<>(values.length);
    for (long v : values) {
      list.add(v);
    }
    return list;
  }

  @SuppressWarnings("unchecked")
  protected static int[] ints(Object field) {
    return ((List<Integer>) field).stream().mapToInt(Integer::intValue).toArray();
  }

  @SuppressWarnings("unchecked")
  protected static long[] longs(Object field) {
    return ((List<Long>) field).stream().mapToLong(Long::longValue).toArray();
  }
}
