package dev.streamcl.scenario;

import dev.streamcl.events.Sample;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Domain-incremental Permuted Fashion-MNIST: {@code tasks} tasks over the same 10 classes, task
 * {@code t} showing every image through a fixed pixel permutation. Task 0 is the identity; task
 * {@code t >= 1} uses a Fisher–Yates shuffle of 0..783 driven by {@code java.util.Random(s_t)}, where
 * {@code s_t} is the t-th {@code nextLong()} of {@code java.util.SplittableRandom(seed)}: seeds never
 * share a permutation, as {@code Random(seed + t)} would (seed 41's task 2 = seed 42's task 1).
 * A permuted image is {@code permuted[i] = original[permutation[i]]}.
 *
 * <p>The training stream is task 0's pass over the training images, then task 1's, and so on; each
 * pass is its own Fisher–Yates shuffle of all 60,000 training indices, drawn one after the other from
 * one {@code java.util.Random(seed)} (task 0's shuffle first). The test set is, for task 0, then task
 * 1, ..., every test image in file order under that task's permutation, with {@code taskId = t}.
 * A cap per task keeps the first samples of each task (of the shuffled order for training, of file
 * order for testing). Unlike {@link SplitFashionMnist}, the test set depends on the seed through the
 * permutations.
 */
public final class PermutedFashionMnist implements Scenario {
  public static final String NAME = "permuted-fmnist";
  public static final int DEFAULT_TASKS = 5;

  private final FashionMnist.Split train;
  private final FashionMnist.Split test;
  private final long seed;
  private final int samplesPerTask;
  private final int tasks;
  private final int[][] permutations;
  /** {@code trainOrders[t]}: the training indices of task t's pass, already cut to the cap. */
  private final int[][] trainOrders;
  private final int trainPerTask;
  private final int testPerTask;

  /** {@link #DEFAULT_TASKS} tasks. */
  public PermutedFashionMnist(FashionMnist data, long seed, int samplesPerTask) {
    this(data, seed, samplesPerTask, DEFAULT_TASKS);
  }

  /**
   * @param samplesPerTask keep at most this many samples per task in each split; 0 keeps all
   * @param tasks number of tasks (permutations), at least 1
   */
  public PermutedFashionMnist(FashionMnist data, long seed, int samplesPerTask, int tasks) {
    if (samplesPerTask < 0) {
      throw new IllegalArgumentException("samplesPerTask must be 0 (all) or positive, got " + samplesPerTask);
    }
    if (tasks < 1) {
      throw new IllegalArgumentException("tasks must be at least 1, got " + tasks);
    }
    this.train = data.train();
    this.test = data.test();
    this.seed = seed;
    this.samplesPerTask = samplesPerTask;
    this.tasks = tasks;
    this.trainPerTask = capOr(samplesPerTask, train.size());
    this.testPerTask = capOr(samplesPerTask, test.size());
    this.permutations = new int[tasks][];
    this.trainOrders = new int[tasks][];
    Random order = new Random(seed);
    for (int t = 0; t < tasks; t++) {
      permutations[t] = permutationOf(seed, t);
      int[] indices = identity(train.size());
      ScenarioSamples.fisherYates(indices, order);
      trainOrders[t] = java.util.Arrays.copyOf(indices, trainPerTask);
    }
  }

  /**
   * Task {@code task}'s pixel permutation for this seed: identity for task 0, else drawn from
   * {@code Random(s_task)}.
   */
  public static int[] permutationOf(long seed, int task) {
    int[] permutation = identity(FashionMnist.PIXELS);
    if (task > 0) {
      ScenarioSamples.fisherYates(permutation, new Random(taskSeed(seed, task)));
    }
    return permutation;
  }

  private static long taskSeed(long seed, int task) {
    SplittableRandom seeds = new SplittableRandom(seed);
    long taskSeed = 0;
    for (int t = 0; t < task; t++) {
      taskSeed = seeds.nextLong();
    }
    return taskSeed;
  }

  /**
   * Permutations come from per-task seeds (not {@code Random(seed + t)}, as before this header):
   * re-publishing onto topics of the other kind is refused.
   */
  @Override
  public String variant() {
    return "permutations=splittable-seeds";
  }

  /** A copy of task {@code task}'s pixel permutation. */
  public int[] permutation(int task) {
    return permutations[task].clone();
  }

  public int tasks() {
    return tasks;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public long seed() {
    return seed;
  }

  @Override
  public int samplesPerTask() {
    return samplesPerTask;
  }

  @Override
  public long trainingSize() {
    return (long) tasks * trainPerTask;
  }

  @Override
  public long testSize() {
    return (long) tasks * testPerTask;
  }

  @Override
  public Sample trainingSample(String streamId, long sequence) {
    checkIndex(sequence, trainingSize());
    int task = (int) (sequence / trainPerTask);
    int index = trainOrders[task][(int) (sequence % trainPerTask)];
    return sample(streamId, sequence, train, index, task);
  }

  @Override
  public Sample testSample(String streamId, long sequence) {
    checkIndex(sequence, testSize());
    int task = (int) (sequence / testPerTask);
    int index = (int) (sequence % testPerTask);
    return sample(streamId, sequence, test, index, task);
  }

  /** A new pixel array: a consumer of the sample must not be able to change the dataset. */
  private Sample sample(String streamId, long sequence, FashionMnist.Split split, int index, int task) {
    byte[] original = split.images()[index];
    int[] permutation = permutations[task];
    byte[] pixels = new byte[FashionMnist.PIXELS];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = original[permutation[i]];
    }
    return ScenarioSamples.image(streamId, sequence, task, split.labels()[index], pixels);
  }

  private static void checkIndex(long sequence, long size) {
    if (sequence < 0 || sequence >= size) {
      throw new IndexOutOfBoundsException("sequence " + sequence + " outside 0.." + (size - 1));
    }
  }

  private static int[] identity(int size) {
    int[] values = new int[size];
    for (int i = 0; i < size; i++) {
      values[i] = i;
    }
    return values;
  }

  private static int capOr(int cap, int all) {
    return cap == 0 ? all : Math.min(cap, all);
  }

  /** Each task's test images carry that task's permutation, which the seed draws. */
  @Override
  public boolean testSetDependsOnSeed() {
    return true;
  }
}
