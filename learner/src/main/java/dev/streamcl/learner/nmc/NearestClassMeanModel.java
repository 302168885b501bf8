package dev.streamcl.learner.nmc;

import dev.streamcl.events.DenseTensors;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.FloatBytes;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.NamedTensor;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.learner.replay.PortableHead;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The published form of an NMC learner: encoder identity, class labels, float32 class sums [C,d]
 * and counts [C]. In a {@link ModelUpdate} snapshot the sums travel as the dense tensor
 * {@code classSums} [C,d] and the counts as {@code classCounts} [C] (float32, exact up to 2^24 per
 * class); serving predicts with the means sum / count.
 */
public final class NearestClassMeanModel {
  public static final String LEARNER = "nmc";
  public static final String CLASS_SUMS = "classSums";
  public static final String CLASS_COUNTS = "classCounts";

  private final EncoderIdentity encoder;
  private final int[] labels;
  private final float[] sums;
  private final long[] counts;

  public NearestClassMeanModel(EncoderIdentity encoder, int[] labels, float[] sums, long[] counts) {
    int dim = encoder.getOutputDim();
    if (sums.length != (long) labels.length * dim || counts.length != labels.length) {
      throw new IllegalArgumentException("NMC model of " + labels.length + " classes and dimension " + dim
          + " needs " + labels.length * (long) dim + " sums and " + labels.length + " counts, got "
          + sums.length + " and " + counts.length);
    }
    this.encoder = EncoderIdentity.newBuilder(encoder).build();
    this.labels = labels.clone();
    this.sums = sums.clone();
    this.counts = counts.clone();
  }

  /** The model of a state; the encoder's output dimension must be the state's. */
  public static NearestClassMeanModel of(ClassMeanState state, EncoderIdentity encoder) {
    if (encoder.getOutputDim() != state.dim()) {
      throw new IllegalArgumentException("Encoder " + encoder.getName() + " has dimension " + encoder.getOutputDim()
          + " but the state has " + state.dim());
    }
    double[] sums = state.sums();
    float[] floats = new float[sums.length];
    for (int i = 0; i < sums.length; i++) {
      floats[i] = (float) sums[i];
    }
    return new NearestClassMeanModel(encoder, state.labels(), floats, state.counts());
  }

  /** A state continuing from this model (sums widened from float32). */
  public ClassMeanState toState(long samplesSeen) {
    double[] wide = new double[sums.length];
    for (int i = 0; i < sums.length; i++) {
      wide[i] = sums[i];
    }
    return ClassMeanState.of(dim(), labels, wide, counts, samplesSeen);
  }

  public ModelUpdate toSnapshot(String streamId, long version, long samplesSeen, long labelledSeen,
      List<SourceOffset> sourceOffsets, Instant createdAt) {
    float[] countValues = new float[counts.length];
    for (int c = 0; c < counts.length; c++) {
      countValues[c] = counts[c];
    }
    return ModelUpdate.newBuilder()
        .setStreamId(streamId).setLearner(LEARNER).setModelVersion(version)
        .setKind(UpdateKind.SNAPSHOT).setBaseVersion(null)
        .setEncoderIdentity(EncoderIdentity.newBuilder(encoder).build())
        .setClasses(Arrays.stream(labels).boxed().collect(Collectors.toList()))
        .setTensors(List.of(DenseTensors.of(CLASS_SUMS, sums, labels.length, dim()),
            DenseTensors.of(CLASS_COUNTS, countValues, labels.length)))
        .setSamplesSeen(samplesSeen).setLabelledSeen(labelledSeen)
        .setSourceOffsets(List.copyOf(sourceOffsets))
        .setCreatedAt(createdAt)
        .setPortableModel(ByteBuffer.wrap(PortableHead.forNearestClassMean(labels, means(), labels.length, dim())))
        .build();
  }

  /** Class means (sum / count) as a [C, d] row-major matrix; an empty class keeps a zero mean. */
  float[] means() {
    int d = dim();
    float[] means = new float[labels.length * d];
    for (int c = 0; c < labels.length; c++) {
      for (int k = 0; k < d; k++) {
        means[c * d + k] = counts[c] == 0 ? 0f : sums[c * d + k] / counts[c];
      }
    }
    return means;
  }

  /** Reads an NMC snapshot; fails with what is wrong if it is not one. */
  public static NearestClassMeanModel fromUpdate(ModelUpdate update) {
    if (!LEARNER.equals(update.getLearner()) || update.getKind() != UpdateKind.SNAPSHOT
        || update.getChunkCount() != 1) {
      throw new IllegalArgumentException("Expected a single-chunk " + LEARNER + " SNAPSHOT, got learner "
          + update.getLearner() + " " + update.getKind() + " chunk " + update.getChunkIndex() + "/"
          + update.getChunkCount());
    }
    EncoderIdentity encoder = update.getEncoderIdentity();
    int classes = update.getClasses().size();
    float[] sums = denseValues(update, CLASS_SUMS, classes, encoder.getOutputDim());
    float[] countValues = denseValues(update, CLASS_COUNTS, classes);
    long[] counts = new long[classes];
    for (int c = 0; c < classes; c++) {
      counts[c] = (long) countValues[c];
      if (counts[c] != countValues[c] || counts[c] < 0) {
        throw new IllegalArgumentException(
            "NMC snapshot count " + countValues[c] + " of class " + c + " is not a count");
      }
    }
    return new NearestClassMeanModel(encoder, update.getClasses().stream().mapToInt(Integer::intValue).toArray(),
        sums, counts);
  }

  public EncoderIdentity encoder() {
    return EncoderIdentity.newBuilder(encoder).build();
  }

  public int dim() {
    return encoder.getOutputDim();
  }

  public int classCount() {
    return labels.length;
  }

  public int[] labels() {
    return labels.clone();
  }

  /** Class sums, [classCount, dim] row-major (a copy). */
  public float[] sums() {
    return sums.clone();
  }

  public long[] counts() {
    return counts.clone();
  }

  // For the kernel: serving uploads the sums on every call, so skip the defensive copy.
  float[] sumsView() {
    return sums;
  }

  private static float[] denseValues(ModelUpdate update, String name, int... shape) {
    NamedTensor tensor = update.getTensors().stream().filter(t -> name.equals(t.getName())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("NMC snapshot has no tensor '" + name + "'"));
    List<Integer> expected = Arrays.stream(shape).boxed().collect(Collectors.toList());
    if (!expected.equals(tensor.getShape()) || tensor.getFirstRow() != 0 || tensor.getRowIndices() != null) {
      throw new IllegalArgumentException("NMC snapshot tensor '" + name + "' must be dense with shape " + expected
          + ", got shape " + tensor.getShape() + (tensor.getRowIndices() != null ? " (sparse)" : "")
          + " from row " + tensor.getFirstRow());
    }
    float[] values = FloatBytes.toFloats(tensor.getValues());
    if (values.length != Arrays.stream(shape).reduce(1, Math::multiplyExact)) {
      throw new IllegalArgumentException("NMC snapshot tensor '" + name + "' of shape " + expected + " carries "
          + values.length + " values");
    }
    return values;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof NearestClassMeanModel)) {
      return false;
    }
    NearestClassMeanModel other = (NearestClassMeanModel) o;
    return encoder.equals(other.encoder) && Arrays.equals(labels, other.labels)
        && Arrays.equals(sums, other.sums) && Arrays.equals(counts, other.counts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(encoder, Arrays.hashCode(labels), Arrays.hashCode(sums), Arrays.hashCode(counts));
  }
}
