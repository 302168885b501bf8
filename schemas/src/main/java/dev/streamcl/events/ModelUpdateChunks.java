package dev.streamcl.events;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a model update into chunks whose tensor payload stays under a byte budget (a topic's
 * message limit) and puts chunks back together. Tensors are cut along their first dimension.
 */
public final class ModelUpdateChunks {
  /** A tensor budget per message that stays under Kafka's default 1 MiB message limit. */
  public static final int KAFKA_SAFE_TENSOR_BYTES = 512 * 1024;

  private ModelUpdateChunks() {}

  public static List<ModelUpdate> split(ModelUpdate update, int maxTensorBytes) {
    List<List<NamedTensor>> chunks = new ArrayList<>();
    List<NamedTensor> current = new ArrayList<>();
    long used = 0;
    for (NamedTensor tensor : update.getTensors()) {
      int rowBytes = rowWidth(tensor) * Float.BYTES;
      int rows = rowBytes == 0 ? 0 : tensor.getValues().remaining() / rowBytes;
      if (rows == 0) {
        current.add(tensor);
        continue;
      }
      for (int row = 0; row < rows; ) {
        long fit = (maxTensorBytes - used) / rowBytes;
        if (fit <= 0 && !current.isEmpty()) {
          chunks.add(current);
          current = new ArrayList<>();
          used = 0;
          continue;
        }
        int take = (int) Math.min(Math.max(fit, 1), rows - row);
        current.add(slice(tensor, row, take, rowBytes));
        used += (long) take * rowBytes;
        row += take;
      }
    }
    chunks.add(current);
    List<ModelUpdate> result = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      // The portable model travels once, with the first chunk.
      result.add(ModelUpdate.newBuilder(update).setTensors(chunks.get(i)).setChunkIndex(i)
          .setChunkCount(chunks.size()).setPortableModel(i == 0 ? update.getPortableModel() : null).build());
    }
    return result;
  }

  /** Joins all chunks of one version (any order) into one update with whole tensors. */
  public static ModelUpdate assemble(List<ModelUpdate> chunks) {
    List<ModelUpdate> ordered = new ArrayList<>(chunks);
    ordered.sort(Comparator.comparingInt(ModelUpdate::getChunkIndex));
    ModelUpdate first = ordered.get(0);
    if (ordered.size() != first.getChunkCount()) {
      throw new IllegalArgumentException("Model update " + first.getStreamId() + "/" + first.getLearner() + " v"
          + first.getModelVersion() + " has " + ordered.size() + " of " + first.getChunkCount() + " chunks");
    }
    Map<String, List<NamedTensor>> slices = new LinkedHashMap<>();
    for (ModelUpdate chunk : ordered) {
      for (NamedTensor slice : chunk.getTensors()) {
        slices.computeIfAbsent(slice.getName(), n -> new ArrayList<>()).add(slice);
      }
    }
    List<NamedTensor> tensors = new ArrayList<>();
    slices.values().forEach(parts -> tensors.add(join(parts)));
    return ModelUpdate.newBuilder(first).setTensors(tensors).setChunkIndex(0).setChunkCount(1).build();
  }

  /** Floats per row: the product of all dimensions after the first. */
  public static int rowWidth(NamedTensor tensor) {
    int width = 1;
    List<Integer> shape = tensor.getShape();
    for (int i = 1; i < shape.size(); i++) {
      width *= shape.get(i);
    }
    return width;
  }

  private static NamedTensor slice(NamedTensor tensor, int row, int rows, int rowBytes) {
    ByteBuffer values = tensor.getValues().duplicate();
    values.position(values.position() + row * rowBytes);
    values.limit(values.position() + rows * rowBytes);
    NamedTensor.Builder slice = NamedTensor.newBuilder(tensor).setValues(values.slice());
    if (tensor.getRowIndices() == null) {
      slice.setFirstRow(tensor.getFirstRow() + row);
    } else {
      slice.setRowIndices(new ArrayList<>(tensor.getRowIndices().subList(row, row + rows)));
    }
    return slice.build();
  }

  private static NamedTensor join(List<NamedTensor> parts) {
    NamedTensor first = parts.get(0);
    int size = parts.stream().mapToInt(p -> p.getValues().remaining()).sum();
    ByteBuffer values = ByteBuffer.allocate(size);
    List<Integer> indices = first.getRowIndices() == null ? null : new ArrayList<>();
    for (NamedTensor part : parts) {
      values.put(part.getValues().duplicate());
      if (indices != null) {
        indices.addAll(part.getRowIndices());
      }
    }
    values.flip();
    return NamedTensor.newBuilder(first).setValues(values).setRowIndices(indices).build();
  }
}
