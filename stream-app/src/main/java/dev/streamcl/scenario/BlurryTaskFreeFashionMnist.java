package dev.streamcl.scenario;

import dev.streamcl.events.Sample;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Task-free Split Fashion-MNIST with gradual ("blurry") task boundaries. It starts from the
 * class-incremental stream of {@link SplitFashionMnist} with the same seed and cap (5 tasks of two
 * classes, each shuffled) and blends consecutive tasks over a window of {@code window} samples
 * centred on each nominal boundary {@code b} (the position where task {@code k} starts in the sharp
 * stream): the window {@code [b - window/2, b - window/2 + window)} holds the last {@code window/2}
 * samples of task {@code k-1} and the first {@code window - window/2} of task {@code k}, rearranged so
 * that the chance that position {@code b - window/2 + i} holds a task-{@code k} sample rises linearly
 * from 0 to 1 over the window.
 *
 * <p>The rearrangement gives each old sample the key {@code 1 - sqrt(u)} (density {@code 2(1-x)} on
 * [0,1]) and each new one {@code sqrt(u)} (density {@code 2x}), with {@code u} uniform draws from one
 * {@code java.util.Random(seed ^ BLUR_SALT)} (window 1's samples first, in sharp-stream order), and
 * sorts the window by key. The two densities sum to a uniform one, so the share of new samples at
 * relative position {@code x} is {@code 2x / 2 = x}. Samples outside windows keep their place, so
 * every training image is used exactly once and the stream is a deterministic function of the seed.
 * {@code taskId} is the task each sample was drawn from (ground truth for evaluation). Window 0 gives
 * the sharp {@link SplitFashionMnist} order. The test set is {@link SplitFashionMnist}'s.
 */
public final class BlurryTaskFreeFashionMnist implements Scenario {
  public static final String NAME = "blurry-fmnist";
  /** The blend window when none is given, cut to half the smallest task so pure stretches remain. */
  public static final int DEFAULT_WINDOW = 2_000;
  static final long BLUR_SALT = 0x626c757272L; // "blurr": its own draw, not the task shuffle's

  private final SplitFashionMnist sharp;
  private final int window;
  /** Position in the sharp stream of the sample at each position of this stream. */
  private final int[] order;
  /** {@code taskStarts[k]}: where task k starts in the sharp stream; {@code taskStarts[TASKS]} is its size. */
  private final int[] taskStarts;

  /** The window is {@code min(DEFAULT_WINDOW, smallest task / 2)}. */
  public BlurryTaskFreeFashionMnist(FashionMnist data, long seed, int samplesPerTask) {
    this(data, seed, samplesPerTask, -1);
  }

  /**
   * @param samplesPerTask keep at most this many samples per task in each split; 0 keeps all
   * @param window blend window in samples, 0 (sharp boundaries) up to the smallest task's size; -1 for the default
   */
  public BlurryTaskFreeFashionMnist(FashionMnist data, long seed, int samplesPerTask, int window) {
    this.sharp = new SplitFashionMnist(data, seed, samplesPerTask);
    this.taskStarts = taskStarts(data.train().labels(), samplesPerTask);
    if (taskStarts[SplitFashionMnist.TASKS] != sharp.trainingSize()) {
      throw new IllegalStateException("task sizes " + Arrays.toString(taskStarts) + " do not add up to "
          + sharp.trainingSize());
    }
    int smallest = IntStream.range(0, SplitFashionMnist.TASKS).map(this::taskSize).min().orElseThrow();
    if (window == -1) {
      window = Math.min(DEFAULT_WINDOW, smallest / 2);
    }
    if (window < 0 || window > smallest) {
      throw new IllegalArgumentException(
          "window must be 0.." + smallest + " (the smallest task), or -1 for the default; got " + window);
    }
    this.window = window;
    this.order = blend(taskStarts, window, new Random(seed ^ BLUR_SALT));
  }

  private static int[] taskStarts(int[] labels, int cap) {
    int[] sizes = new int[SplitFashionMnist.TASKS];
    for (int label : labels) {
      sizes[SplitFashionMnist.taskOf(label)]++;
    }
    int[] starts = new int[SplitFashionMnist.TASKS + 1];
    for (int task = 0; task < SplitFashionMnist.TASKS; task++) {
      starts[task + 1] = starts[task] + (cap == 0 ? sizes[task] : Math.min(cap, sizes[task]));
    }
    return starts;
  }

  private static int[] blend(int[] taskStarts, int window, Random random) {
    int[] order = IntStream.range(0, taskStarts[SplitFashionMnist.TASKS]).toArray();
    int oldCount = window / 2;
    for (int task = 1; task < SplitFashionMnist.TASKS; task++) {
      int from = taskStarts[task] - oldCount;
      double[] keys = new double[window];
      for (int i = 0; i < window; i++) {
        double root = Math.sqrt(random.nextDouble());
        keys[i] = i < oldCount ? 1 - root : root;
      }
      Integer[] ranks = new Integer[window];
      Arrays.setAll(ranks, i -> i);
      // Stable sort: equal keys (practically never) keep the sharp order, so the result stays deterministic.
      Arrays.sort(ranks, Comparator.comparingDouble(i -> keys[i]));
      for (int r = 0; r < window; r++) {
        order[from + r] = from + ranks[r];
      }
    }
    return order;
  }

  /** The sharp class-incremental stream this one blends. */
  public SplitFashionMnist sharp() {
    return sharp;
  }

  public int window() {
    return window;
  }

  /** Nominal boundary {@code k} (1..4): the position where task k starts in the sharp stream, the window's centre. */
  public long boundary(int task) {
    if (task < 1 || task >= SplitFashionMnist.TASKS) {
      throw new IllegalArgumentException("boundaries are 1.." + (SplitFashionMnist.TASKS - 1) + ", got " + task);
    }
    return taskStarts[task];
  }

  /** First position of the window around boundary {@code k}; the window ends {@link #window()} later. */
  public long windowStart(int task) {
    return boundary(task) - window / 2;
  }

  private int taskSize(int task) {
    return taskStarts[task + 1] - taskStarts[task];
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String variant() {
    return "window=" + window;
  }

  @Override
  public long seed() {
    return sharp.seed();
  }

  @Override
  public int samplesPerTask() {
    return sharp.samplesPerTask();
  }

  @Override
  public long trainingSize() {
    return order.length;
  }

  @Override
  public Sample trainingSample(String streamId, long sequence) {
    Sample source = sharp.trainingSample(streamId, order[Math.toIntExact(sequence)]);
    return Sample.newBuilder(source)
        .setSequence(sequence)
        .setEventTime(SplitFashionMnist.BASE_EVENT_TIME.plusMillis(sequence))
        .build();
  }

  @Override
  public long testSize() {
    return sharp.testSize();
  }

  @Override
  public Sample testSample(String streamId, long sequence) {
    return sharp.testSample(streamId, sequence);
  }
}
