package dev.streamcl.learner.replay;

import java.util.Arrays;

/**
 * A fixed-capacity buffer of (features, label) samples, deterministic for a seed.
 *
 * <ul>
 *   <li>{@link Policy#RESERVOIR}: Vitter's Algorithm R (Vitter 1985, "Random Sampling with a
 *       Reservoir"): the t-th sample offered replaces slot j = uniform[0, t) when j < capacity, so
 *       the buffer is a uniform sample of everything offered (as in ER, Chaudhry et al. 2019,
 *       "On Tiny Episodic Memories in Continual Learning").
 *   <li>{@link Policy#CLASS_BALANCED}: when full, a sample of a class smaller than the largest
 *       evicts a random member of the largest class (ties: the class seen first), as in GDumb
 *       (Prabhu et al., ECCV 2020); a sample of a largest class replaces a random member of its own
 *       class by per-class reservoir sampling, so each class keeps a uniform sample of itself and
 *       every seen class tends to capacity / classes slots.
 * </ul>
 *
 * The RNG is a {@link ReplayRandom} field, so a Flink restore continues the exact sequence.
 */
public final class ReplayBuffer implements ReplayMemory {
  private static final long serialVersionUID = 1L;

  public enum Policy { RESERVOIR, CLASS_BALANCED }

  private final Policy policy;
  private final int dim;
  private final int capacity;
  private final ReplayRandom random;
  private final float[] features; // [capacity, dim]
  private final int[] labels;
  private int size;
  private long offered;
  private int[] classLabels = new int[0]; // first-appearance order
  private long[] classOffered = new long[0];

  public ReplayBuffer(Policy policy, int dim, int capacity, long seed) {
    this(policy, dim, capacity, new ReplayRandom(seed));
  }

  private ReplayBuffer(Policy policy, int dim, int capacity, ReplayRandom random) {
    if (dim < 1 || capacity < 1) {
      throw new IllegalArgumentException("Need dim >= 1 and capacity >= 1, got " + dim + " and " + capacity);
    }
    this.policy = policy;
    this.dim = dim;
    this.capacity = capacity;
    this.random = random;
    this.features = new float[capacity * dim];
    this.labels = new int[capacity];
  }

  /** A checkpointed buffer: its filled slots, counters and generator state. */
  static ReplayBuffer restore(Policy policy, int dim, int capacity, long randomState, float[] storedFeatures,
      int[] storedLabels, long offered, int[] classLabels, long[] classOffered) {
    ReplayBuffer buffer = new ReplayBuffer(policy, dim, capacity, ReplayRandom.withState(randomState));
    if (storedLabels.length > capacity || storedFeatures.length != storedLabels.length * dim) {
      throw new IllegalArgumentException("A buffer of capacity " + capacity + " cannot hold " + storedLabels.length
          + " samples of " + storedFeatures.length + " features");
    }
    System.arraycopy(storedFeatures, 0, buffer.features, 0, storedFeatures.length);
    System.arraycopy(storedLabels, 0, buffer.labels, 0, storedLabels.length);
    buffer.size = storedLabels.length;
    buffer.offered = offered;
    buffer.classLabels = classLabels.clone();
    buffer.classOffered = classOffered.clone();
    return buffer;
  }

  Policy policy() {
    return policy;
  }

  int dim() {
    return dim;
  }

  long randomState() {
    return random.state();
  }

  /** Features of the filled slots, [size, dim]. */
  float[] storedFeatures() {
    return Arrays.copyOf(features, size * dim);
  }

  int[] storedLabels() {
    return Arrays.copyOf(labels, size);
  }

  int[] classLabels() {
    return classLabels.clone();
  }

  long[] classOffered() {
    return classOffered.clone();
  }

  /** Offers one sample, {@code x[offset .. offset+dim)}; it may be stored, replace one, or be dropped. */
  public void offer(float[] x, int offset, int label) {
    offered++;
    int classRow = classIndexOrAdd(label); // before reading classOffered: it may grow
    long seenOfClass = ++classOffered[classRow];
    if (size < capacity) {
      store(size++, x, offset, label);
    } else if (policy == Policy.RESERVOIR) {
      long slot = random.nextLong(offered);
      if (slot < capacity) {
        store((int) slot, x, offset, label);
      }
    } else {
      offerBalanced(x, offset, label, seenOfClass);
    }
  }

  /** {@code k} distinct stored samples (all if k >= size) chosen uniformly by a partial Fisher–Yates. */
  public ReplaySamples sample(int k) {
    int count = Math.min(k, size);
    int[] slots = new int[size];
    Arrays.setAll(slots, i -> i);
    for (int i = 0; i < count; i++) {
      int j = i + random.nextInt(size - i);
      int swap = slots[i];
      slots[i] = slots[j];
      slots[j] = swap;
    }
    return gather(Arrays.copyOf(slots, count));
  }

  /** All stored samples in slot order. */
  public ReplaySamples contents() {
    int[] slots = new int[size];
    Arrays.setAll(slots, i -> i);
    return gather(slots);
  }

  public int size() {
    return size;
  }

  public int capacity() {
    return capacity;
  }

  public long offered() {
    return offered;
  }

  /** Stored samples of a label. */
  public int countOf(int label) {
    int count = 0;
    for (int i = 0; i < size; i++) {
      count += labels[i] == label ? 1 : 0;
    }
    return count;
  }

  @Override
  public ReplaySamples draw(float[] x, int n, int[] batchLabels, int k) {
    return sample(k);
  }

  @Override
  public void remember(float[] x, int n, int[] batchLabels) {
    for (int i = 0; i < n; i++) {
      offer(x, i * dim, batchLabels[i]);
    }
  }

  private void offerBalanced(float[] x, int offset, int label, long seenOfClass) {
    int largest = largestClass();
    int own = countOf(label);
    if (own < countOf(largest)) {
      store(randomSlotOf(largest, countOf(largest)), x, offset, label);
      return;
    }
    long j = random.nextLong(seenOfClass); // reservoir within the class
    if (j < own) {
      store(nthSlotOf(label, (int) j), x, offset, label);
    }
  }

  private int largestClass() {
    int best = classLabels[0];
    int bestCount = countOf(best);
    for (int label : classLabels) {
      int count = countOf(label);
      if (count > bestCount) {
        best = label;
        bestCount = count;
      }
    }
    return best;
  }

  private int randomSlotOf(int label, int count) {
    return nthSlotOf(label, random.nextInt(count));
  }

  private int nthSlotOf(int label, int n) {
    for (int i = 0, seen = 0; i < size; i++) {
      if (labels[i] == label && seen++ == n) {
        return i;
      }
    }
    throw new IllegalStateException("Class " + label + " has no member " + n);
  }

  private void store(int slot, float[] x, int offset, int label) {
    System.arraycopy(x, offset, features, slot * dim, dim);
    labels[slot] = label;
  }

  private ReplaySamples gather(int[] slots) {
    float[] rows = new float[slots.length * dim];
    int[] rowLabels = new int[slots.length];
    for (int i = 0; i < slots.length; i++) {
      System.arraycopy(features, slots[i] * dim, rows, i * dim, dim);
      rowLabels[i] = labels[slots[i]];
    }
    return new ReplaySamples(rows, rowLabels, dim);
  }

  private int classIndexOrAdd(int label) {
    for (int c = 0; c < classLabels.length; c++) {
      if (classLabels[c] == label) {
        return c;
      }
    }
    classLabels = Arrays.copyOf(classLabels, classLabels.length + 1);
    classLabels[classLabels.length - 1] = label;
    classOffered = Arrays.copyOf(classOffered, classOffered.length + 1);
    return classLabels.length - 1;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ReplayBuffer other && policy == other.policy && dim == other.dim
        && capacity == other.capacity && size == other.size && offered == other.offered
        && random.equals(other.random) && Arrays.equals(features, other.features)
        && Arrays.equals(labels, other.labels) && Arrays.equals(classLabels, other.classLabels)
        && Arrays.equals(classOffered, other.classOffered);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(labels) + Arrays.hashCode(features)) + random.hashCode();
  }
}
