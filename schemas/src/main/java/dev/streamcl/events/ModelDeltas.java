package dev.streamcl.events;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a {@code DELTA} to the whole snapshot of its base version: the rows a delta carries
 * replace the base's rows (tensors may grow when new classes appear). Readers call this only when
 * {@code delta.baseVersion} equals the version they hold.
 */
public final class ModelDeltas {
  private ModelDeltas() {}

  public static ModelUpdate apply(ModelUpdate base, ModelUpdate delta) {
    if (delta.getKind() != UpdateKind.DELTA || delta.getBaseVersion() == null
        || delta.getBaseVersion() != base.getModelVersion()) {
      throw new IllegalArgumentException("Delta v" + delta.getModelVersion() + " (base " + delta.getBaseVersion()
          + ") does not apply to v" + base.getModelVersion());
    }
    Map<String, NamedTensor> tensors = new LinkedHashMap<>();
    base.getTensors().forEach(t -> tensors.put(t.getName(), t));
    for (NamedTensor rows : delta.getTensors()) {
      NamedTensor whole = tensors.get(rows.getName());
      tensors.put(rows.getName(), whole == null && rows.getRowIndices() == null && rows.getFirstRow() == 0
          ? rows : overwriteRows(whole, rows));
    }
    return ModelUpdate.newBuilder(delta).setKind(UpdateKind.SNAPSHOT).setBaseVersion(null)
        .setTensors(new ArrayList<>(tensors.values())).build();
  }

  private static NamedTensor overwriteRows(NamedTensor whole, NamedTensor rows) {
    int width = ModelUpdateChunks.rowWidth(rows);
    int rowBytes = width * Float.BYTES;
    int totalRows = rows.getShape().isEmpty() ? 1 : rows.getShape().get(0);
    ByteBuffer values = ByteBuffer.allocate(totalRows * rowBytes);
    if (whole != null) {
      ByteBuffer old = whole.getValues().duplicate();
      old.limit(old.position() + Math.min(old.remaining(), values.capacity()));
      values.put(old);
    }
    ByteBuffer incoming = rows.getValues().duplicate();
    int count = incoming.remaining() / rowBytes;
    if (incoming.remaining() % rowBytes != 0
        || (rows.getRowIndices() != null && rows.getRowIndices().size() != count)) {
      throw new IllegalArgumentException("Delta tensor " + rows.getName() + " carries " + incoming.remaining()
          + " bytes for " + (rows.getRowIndices() == null ? "dense" : rows.getRowIndices().size()) + " rows of "
          + width + " floats");
    }
    for (int i = 0; i < count; i++) {
      int row = rows.getRowIndices() == null ? rows.getFirstRow() + i : rows.getRowIndices().get(i);
      if (row < 0 || row >= totalRows) {
        throw new IllegalArgumentException("Delta tensor " + rows.getName() + " writes row " + row
            + " outside its shape " + rows.getShape());
      }
    }
    for (int i = 0; i < count; i++) {
      int row = rows.getRowIndices() == null ? rows.getFirstRow() + i : rows.getRowIndices().get(i);
      ByteBuffer one = incoming.duplicate();
      one.position(incoming.position() + i * rowBytes).limit(incoming.position() + (i + 1) * rowBytes);
      values.position(row * rowBytes);
      values.put(one);
    }
    values.rewind();
    List<Integer> shape = new ArrayList<>(rows.getShape());
    return NamedTensor.newBuilder().setName(rows.getName()).setShape(shape).setFirstRow(0).setRowIndices(null)
        .setValues(values).build();
  }
}
