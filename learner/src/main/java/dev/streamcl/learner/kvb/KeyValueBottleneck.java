package dev.streamcl.learner.kvb;

import java.io.Serializable;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * State of a discrete key-value bottleneck (Träuble et al., ICML 2023): the settings (whose seed
 * regenerates the projections, see {@link RandomProjection}), the feature dimension, the frozen keys
 * [C, K, dk], the values [C·K, classes] (zero at the start, as in the paper), sample counters and the
 * value rows (row = c·K + key) touched since the last publish, so a sparse delta can be built.
 *
 * <p>Keys never change after {@link EmaKMeans#freeze()}, so copies share the keys array. A plain
 * Java class (no Flink types); deterministic for a seed and input order.
 */
public final class KeyValueBottleneck implements Serializable {
  private static final long serialVersionUID = 1L;

  private KvbHyperparameters config;
  private int featureDim;
  private float[] keys; // [C, K, dk], frozen
  private float[] values; // [C·K, classes]
  private BitSet touchedRows = new BitSet();
  private long samplesSeen; // labelled and unlabelled
  private long labelledSeen;

  private KeyValueBottleneck() {} // for Kryo

  private KeyValueBottleneck(KvbHyperparameters config, int featureDim, float[] keys, float[] values) {
    if (featureDim < 1) {
      throw new IllegalArgumentException("Feature dimension must be >= 1, got " + featureDim);
    }
    requireLength("keys", keys, (long) config.valueRows() * config.keyDim());
    requireLength("values", values, (long) config.valueRows() * config.classes());
    this.config = config;
    this.featureDim = featureDim;
    this.keys = keys;
    this.values = values;
  }

  /** A fresh bottleneck over frozen keys [C, K, dk] (copied) with zero values. */
  public static KeyValueBottleneck withKeys(KvbHyperparameters config, int featureDim, float[] keys) {
    return new KeyValueBottleneck(config, featureDim, keys.clone(), new float[config.valueRows() * config.classes()]);
  }

  /** Restores a bottleneck from its parts (copied), e.g. from a published snapshot; no rows touched. */
  public static KeyValueBottleneck of(KvbHyperparameters config, int featureDim, float[] keys, float[] values,
      long samplesSeen, long labelledSeen) {
    KeyValueBottleneck state = new KeyValueBottleneck(config, featureDim, keys.clone(), values.clone());
    state.samplesSeen = samplesSeen;
    state.labelledSeen = labelledSeen;
    return state;
  }

  /** Restores a checkpointed bottleneck, touched rows included (they make the next delta). */
  static KeyValueBottleneck restore(KvbHyperparameters config, int featureDim, float[] keys, float[] values,
      int[] touchedRows, long samplesSeen, long labelledSeen) {
    KeyValueBottleneck state = new KeyValueBottleneck(config, featureDim, keys, values);
    IntStream.of(touchedRows).forEach(state.touchedRows::set);
    state.samplesSeen = samplesSeen;
    state.labelledSeen = labelledSeen;
    return state;
  }

  /**
   * Merges a bottleneck learned on another part of the same stream from the same start (equal frozen keys, zero
   * values): values add, so every subtask's sparse updates count once. Equal to learning both parts in one sequence
   * where the parts' samples fetch disjoint value rows (each row's gradients then saw the same values) and minibatches
   * align; elsewhere an approximation. Touched rows are the union, counts add.
   */
  public void mergeAdditive(KeyValueBottleneck other) {
    if (!config.equals(other.config) || featureDim != other.featureDim || !Arrays.equals(keys, other.keys)) {
      throw new IllegalArgumentException("Only bottlenecks with the same settings and frozen keys merge");
    }
    for (int i = 0; i < values.length; i++) {
      values[i] += other.values[i];
    }
    touchedRows.or(other.touchedRows);
    samplesSeen += other.samplesSeen;
    labelledSeen += other.labelledSeen;
  }

  public KvbHyperparameters config() {
    return config;
  }

  public int featureDim() {
    return featureDim;
  }

  /** Keys [C, K, dk] row-major (a copy). */
  public float[] keys() {
    return keys.clone();
  }

  /** Values [C·K, classes] row-major (a copy). */
  public float[] values() {
    return values.clone();
  }

  /** The given value rows, [rows.length, classes] row-major: the body of a sparse delta. */
  public float[] valueRows(int[] rows) {
    int width = config.classes();
    float[] out = new float[rows.length * width];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(values, rows[i] * width, out, i * width, width);
    }
    return out;
  }

  /** Value rows changed since the last {@link #clearTouchedRows()}, ascending. */
  public int[] touchedRows() {
    return touchedRows.stream().toArray();
  }

  public void clearTouchedRows() {
    touchedRows.clear();
  }

  public long samplesSeen() {
    return samplesSeen;
  }

  public long labelledSeen() {
    return labelledSeen;
  }

  /** A deep copy; the frozen keys are shared. */
  public KeyValueBottleneck copy() {
    KeyValueBottleneck copy = new KeyValueBottleneck(config, featureDim, keys, values.clone());
    copy.touchedRows = (BitSet) touchedRows.clone();
    copy.samplesSeen = samplesSeen;
    copy.labelledSeen = labelledSeen;
    return copy;
  }

  // For the kernel: no defensive copies on the hot path.
  float[] keysView() {
    return keys;
  }

  float[] valuesView() {
    return values;
  }

  /** Takes the values after a train step (owned from now on) and records the rows it changed. */
  void applyStep(float[] newValues, int[] changedRows, int labelled, int batchSize) {
    requireLength("new values", newValues, values.length);
    values = newValues;
    for (int row : changedRows) {
      touchedRows.set(row);
    }
    labelledSeen += labelled;
    samplesSeen += batchSize;
  }

  /** Counts samples that were only predicted (unlabelled). */
  void countUnlabelled(int samples) {
    samplesSeen += samples;
  }

  private static void requireLength(String name, float[] array, long expected) {
    if (array.length != expected) {
      throw new IllegalArgumentException("KVB " + name + " need " + expected + " floats, got " + array.length);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof KeyValueBottleneck)) {
      return false;
    }
    KeyValueBottleneck other = (KeyValueBottleneck) o;
    return config.equals(other.config) && featureDim == other.featureDim && samplesSeen == other.samplesSeen
        && labelledSeen == other.labelledSeen && touchedRows.equals(other.touchedRows)
        && Arrays.equals(keys, other.keys) && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(config, featureDim, samplesSeen, labelledSeen, touchedRows, Arrays.hashCode(values));
  }

  @Override
  public String toString() {
    return "KeyValueBottleneck[" + config.codebooks() + "x" + config.keysPerCodebook() + " keys of dim "
        + config.keyDim() + ", d=" + featureDim + ", classes=" + config.classes() + ", samplesSeen=" + samplesSeen
        + ", labelledSeen=" + labelledSeen + ", touchedRows=" + touchedRows.cardinality() + "]";
  }
}
