package dev.streamcl.events;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Splits a model update into chunks whose payload (tensor bytes plus portable-model bytes) stays
 * under a byte budget (a topic's message limit) and puts chunks back together.
 *
 * <p>Tensors are cut along their first dimension into chunks of at most the budget (a single row
 * larger than the budget travels alone). Then the portable model's bytes fill the budget left in
 * those chunks, in chunk order, and chunks without tensors are appended while bytes remain. A chunk
 * carries a slice of the portable model or null; chunk 0 carries the whole model when it fits there,
 * so such updates are cut exactly as before the portable model was sliced. {@link #assemble} joins
 * the slices in chunk order and checks them against the whole model's SHA-256 where the writer
 * recorded one ({@link #withPortableModelDigest}).
 */
public final class ModelUpdateChunks {
  /** A payload budget per message that stays under Kafka's default 1 MiB message limit. */
  public static final int KAFKA_SAFE_TENSOR_BYTES = 512 * 1024;

  private ModelUpdateChunks() {}

  /** Records the whole portable model's SHA-256 on the update (null without one), before it is split. */
  public static ModelUpdate withPortableModelDigest(ModelUpdate update) {
    ByteBuffer model = update.getPortableModel();
    update.setPortableModelSha256(model == null ? null : ModelBytes.sha256(model));
    return update;
  }

  public static List<ModelUpdate> split(ModelUpdate update, int maxTensorBytes) {
    if (maxTensorBytes < 1) {
      throw new IllegalArgumentException("A chunk budget must be at least one byte, got " + maxTensorBytes);
    }
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
    List<ByteBuffer> portable = portableSlices(update.getPortableModel(), chunks, maxTensorBytes);
    while (chunks.size() < portable.size()) {
      chunks.add(List.of());
    }
    ModelUpdate header = withoutPayload(update);
    List<ModelUpdate> result = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      result.add(ModelUpdate.newBuilder(header).setTensors(chunks.get(i)).setChunkIndex(i)
          .setChunkCount(chunks.size()).setPortableModel(i < portable.size() ? portable.get(i) : null).build());
    }
    return result;
  }

  // The update's other fields, sharing them: a builder copies its source deeply, and copying a KVB
  // snapshot's 9 MB of tensors and model once per chunk (18 chunks) cost more than cutting them.
  private static ModelUpdate withoutPayload(ModelUpdate update) {
    ModelUpdate header = new ModelUpdate();
    for (Schema.Field field : ModelUpdate.getClassSchema().getFields()) {
      header.put(field.pos(), update.get(field.pos()));
    }
    header.setTensors(List.of());
    header.setPortableModel(null);
    return header;
  }

  /**
   * The portable model's slice for each chunk (null where a chunk carries none): the budget each
   * tensor chunk leaves, in order, then whole budgets for chunks to append. An empty model travels
   * whole on chunk 0; no model means no slices.
   */
  private static List<ByteBuffer> portableSlices(ByteBuffer model, List<List<NamedTensor>> tensorChunks, int budget) {
    List<ByteBuffer> slices = new ArrayList<>();
    if (model == null) {
      return slices;
    }
    if (!model.hasRemaining()) {
      slices.add(model);
      return slices;
    }
    int from = model.position();
    int end = model.limit();
    for (int i = 0; from < end; i++) {
      long tensorBytes = i < tensorChunks.size() ? tensorBytes(tensorChunks.get(i)) : 0;
      int room = (int) Math.max(0, Math.min(budget - tensorBytes, end - from));
      if (room == 0) {
        slices.add(null);
        continue;
      }
      ByteBuffer slice = model.duplicate();
      slice.position(from).limit(from + room);
      slices.add(from == model.position() && room == end - from ? model : slice.slice());
      from += room;
    }
    return slices;
  }

  private static long tensorBytes(List<NamedTensor> tensors) {
    long bytes = 0;
    for (NamedTensor tensor : tensors) {
      bytes += tensor.getValues().remaining();
    }
    return bytes;
  }

  /**
   * Joins all chunks of one version (any order) into one update with whole tensors and the whole
   * portable model (its slices concatenated in chunk order; null when no chunk carries one).
   */
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
    ModelUpdate whole = ModelUpdate.newBuilder(first).setTensors(tensors).setChunkIndex(0).setChunkCount(1)
        .setPortableModel(portableModel(ordered)).build();
    checkPortableModel(whole);
    return whole;
  }

  private static void checkPortableModel(ModelUpdate whole) {
    String expected = whole.getPortableModelSha256();
    ByteBuffer model = whole.getPortableModel();
    if (expected != null && (model == null || !expected.equals(ModelBytes.sha256(model)))) {
      throw new IllegalArgumentException("Model update " + whole.getStreamId() + "/" + whole.getLearner() + " v"
          + whole.getModelVersion() + ": the assembled portable model (" + (model == null ? 0 : model.remaining())
          + " bytes) does not match its portableModelSha256; a chunk is corrupt or from another run, "
          + "so read this version's chunks again");
    }
  }

  // One slice (the usual case) is returned as it is; several are copied into one buffer.
  private static ByteBuffer portableModel(List<ModelUpdate> ordered) {
    List<ByteBuffer> parts = new ArrayList<>();
    for (ModelUpdate chunk : ordered) {
      if (chunk.getPortableModel() != null) {
        parts.add(chunk.getPortableModel());
      }
    }
    if (parts.size() <= 1) {
      return parts.isEmpty() ? null : parts.get(0);
    }
    ByteBuffer whole = ByteBuffer.allocate(parts.stream().mapToInt(ByteBuffer::remaining).sum());
    parts.forEach(part -> whole.put(part.duplicate()));
    return whole.flip();
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
