package dev.streamcl.events;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Whole tensors as a {@link ModelUpdate} carries them: dense, from row 0, float32 little-endian. */
public final class DenseTensors {
  private DenseTensors() {}

  public static NamedTensor of(String name, float[] values, int... shape) {
    return NamedTensor.newBuilder().setName(name)
        .setShape(Arrays.stream(shape).boxed().collect(Collectors.toList()))
        .setFirstRow(0).setRowIndices(null)
        .setValues(FloatBytes.toBytes(values))
        .build();
  }
}
