package dev.streamcl.scenario;

import dev.streamcl.events.Sample;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Class-incremental Split Fashion-MNIST: 5 tasks with classes {0,1}, {2,3}, {4,5}, {6,7}, {8,9}.
 * The training stream is one pass over task 0's samples, then task 1's, and so on; within a task
 * the order is a Fisher–Yates shuffle driven by {@code java.util.Random(seed)} (whose algorithm the
 * JDK specifies), shuffling task 0 first, then task 1, ... The test set is the 10,000 test images in
 * file order with {@code taskId = label / 2}. A cap per task keeps the first samples of each task
 * (of the shuffled order for training, of file order for testing).
 */
public final class SplitFashionMnist implements ClassIncrementalScenario {
  public static final String NAME = "split-fmnist";
  public static final int TASKS = 5;
  /** Event time of sample 0; sample n is n milliseconds later, so re-publishing gives the same bytes. */
  public static final Instant BASE_EVENT_TIME = Instant.parse("2024-01-01T00:00:00Z");

  private final FashionMnist.Split train;
  private final FashionMnist.Split test;
  private final long seed;
  private final int samplesPerTask;
  private final int[] trainOrder;
  private final int[] testOrder;
  private final String name;

  /** @param samplesPerTask keep at most this many samples per task in each split; 0 keeps all */
  public SplitFashionMnist(FashionMnist data, long seed, int samplesPerTask) {
    if (samplesPerTask < 0) {
      throw new IllegalArgumentException("samplesPerTask must be 0 (all) or positive, got " + samplesPerTask);
    }
    this.train = data.train();
    this.test = data.test();
    this.seed = seed;
    this.samplesPerTask = samplesPerTask;
    this.trainOrder = shuffledTaskOrder(train.labels(), new Random(seed), samplesPerTask);
    this.testOrder = fileTaskOrder(test.labels(), samplesPerTask);
    this.name = NAME;
  }

  private SplitFashionMnist(SplitFashionMnist tasks, int[] trainOrder, String name) {
    this.train = tasks.train;
    this.test = tasks.test;
    this.seed = tasks.seed;
    this.samplesPerTask = tasks.samplesPerTask;
    this.trainOrder = trainOrder;
    this.testOrder = tasks.testOrder;
    this.name = name;
  }

  /**
   * The same training samples in one i.i.d. order across all tasks (joint training: the upper bound
   * a continual learner is compared with). Task ids stay on the samples for evaluation.
   */
  @Override
  public SplitFashionMnist iid() {
    int[] order = trainOrder.clone();
    ScenarioSamples.fisherYates(order, new Random(seed ^ 0x6a6f696eL)); // "join": its own draw, not the task order's
    return new SplitFashionMnist(this, order, NAME + "-iid");
  }

  public static int taskOf(int label) {
    return label / 2;
  }

  @Override
  public int tasks() {
    return TASKS;
  }

  @Override
  public int classes() {
    return FashionMnist.CLASSES;
  }

  @Override
  public String classesOfTask(int task) {
    return 2 * task + "," + (2 * task + 1);
  }

  @Override
  public String name() {
    return name;
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
    return trainOrder.length;
  }

  @Override
  public long testSize() {
    return testOrder.length;
  }

  @Override
  public Sample trainingSample(String streamId, long sequence) {
    return sample(streamId, sequence, train, trainOrder[Math.toIntExact(sequence)]);
  }

  @Override
  public Sample testSample(String streamId, long sequence) {
    return sample(streamId, sequence, test, testOrder[Math.toIntExact(sequence)]);
  }

  private static Sample sample(String streamId, long sequence, FashionMnist.Split split, int index) {
    int label = split.labels()[index];
    return ScenarioSamples.image(streamId, sequence, taskOf(label), label, split.images()[index].clone());
  }

  /** Indices of task 0's samples shuffled, then task 1's, ... each cut to {@code cap}. */
  private static int[] shuffledTaskOrder(int[] labels, Random random, int cap) {
    IntStream order = IntStream.empty();
    for (int task = 0; task < TASKS; task++) {
      int[] indices = indicesOfTask(labels, task);
      ScenarioSamples.fisherYates(indices, random);
      order = IntStream.concat(order, Arrays.stream(indices).limit(capOr(cap, indices.length)));
    }
    return order.toArray();
  }

  /** File order, keeping the first {@code cap} samples of each task. */
  private static int[] fileTaskOrder(int[] labels, int cap) {
    int[] kept = new int[TASKS];
    return IntStream.range(0, labels.length)
        .filter(i -> kept[taskOf(labels[i])]++ < capOr(cap, Integer.MAX_VALUE))
        .toArray();
  }

  private static int[] indicesOfTask(int[] labels, int task) {
    return IntStream.range(0, labels.length).filter(i -> taskOf(labels[i]) == task).toArray();
  }

  private static int capOr(int cap, int all) {
    return cap == 0 ? all : cap;
  }
}
