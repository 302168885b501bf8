package dev.streamcl.events;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian float32 arrays as carried in events. */
public final class FloatBytes {
  private FloatBytes() {}

  public static ByteBuffer toBytes(float[] values) {
    return toBytes(values, 0, values.length);
  }

  public static ByteBuffer toBytes(float[] values, int from, int length) {
    ByteBuffer buffer = ByteBuffer.allocate(length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values, from, length);
    return buffer;
  }

  public static float[] toFloats(ByteBuffer bytes) {
    ByteBuffer view = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    if (view.remaining() % Float.BYTES != 0) {
      throw new IllegalArgumentException("Float tensor has " + view.remaining() + " bytes, not a multiple of 4");
    }
    float[] values = new float[view.remaining() / Float.BYTES];
    view.asFloatBuffer().get(values);
    return values;
  }
}
