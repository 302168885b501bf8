package dev.streamcl.scenario;

import dev.streamcl.events.Sample;
import dev.streamcl.events.Text;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Class-incremental text stream over WordNet's 25 noun supersenses (the lexicographer files 04 noun.act … 28
 * noun.time; 03 noun.Tops is left out): one sample per noun synset, its text the synset's first word and gloss
 * ("dog: a member of the genus Canis …", the gloss cut before WordNet's example sentences), its class the file
 * number − 4, its task class / 5. Each class's synsets, in {@code data.noun} order, are shuffled by one
 * {@code new Random(1)} over the classes in order and split 80/20 into training and test: the split never moves
 * with the seed. The training stream is one pass, task by task, shuffled within each task by the seed (the task
 * order of {@link SplitFashionMnist}); the test set is each class's test synsets, class by class. Classes are
 * very unbalanced (34 to 9,270 training synsets), so reports show macro accuracy beside micro.
 */
public final class WordNetSupersenses implements ClassIncrementalScenario {
  public static final String NAME = "wordnet-supersenses";
  public static final int CLASSES = 25;
  public static final int TASKS = 5;
  static final int FIRST_FILE = 4; // noun.act
  private static final long SPLIT_SEED = 1;

  private final List<Item> train;
  private final List<Item> test;
  private final long seed;
  private final int samplesPerTask;
  private final String name;

  private record Item(String text, int label) {}

  /** @param samplesPerTask keep at most this many samples per task in each split; 0 keeps all */
  public WordNetSupersenses(WordNetNouns data, long seed, int samplesPerTask) {
    if (samplesPerTask < 0) {
      throw new IllegalArgumentException("samplesPerTask must be 0 (all) or positive, got " + samplesPerTask);
    }
    List<List<Item>> trainByClass = new ArrayList<>();
    List<List<Item>> testByClass = new ArrayList<>();
    Random split = new Random(SPLIT_SEED);
    for (List<Item> items : itemsByClass(data)) {
      List<Item> shuffled = new ArrayList<>(items);
      Collections.shuffle(shuffled, split);
      int training = (int) Math.round(0.8 * shuffled.size());
      trainByClass.add(shuffled.subList(0, training));
      testByClass.add(shuffled.subList(training, shuffled.size()));
    }
    this.train = shuffledTaskOrder(trainByClass, new Random(seed), samplesPerTask);
    this.test = classOrder(testByClass, samplesPerTask);
    this.seed = seed;
    this.samplesPerTask = samplesPerTask;
    this.name = NAME;
  }

  private WordNetSupersenses(WordNetSupersenses tasks, List<Item> train, String name) {
    this.train = train;
    this.test = tasks.test;
    this.seed = tasks.seed;
    this.samplesPerTask = tasks.samplesPerTask;
    this.name = name;
  }

  /** The same training samples in one i.i.d. order across all tasks: the joint upper bound. */
  @Override
  public WordNetSupersenses iid() {
    List<Item> order = new ArrayList<>(train);
    Collections.shuffle(order, new Random(seed ^ 0x6a6f696eL));
    return new WordNetSupersenses(this, List.copyOf(order), NAME + "-iid");
  }

  public static int taskOf(int label) {
    return label / (CLASSES / TASKS);
  }

  @Override
  public int tasks() {
    return TASKS;
  }

  @Override
  public int classes() {
    return CLASSES;
  }

  @Override
  public String classesOfTask(int task) {
    int perTask = CLASSES / TASKS;
    return task * perTask + "-" + ((task + 1) * perTask - 1);
  }

  /** "first word: gloss", underscores as spaces, the gloss cut before its first example sentence. */
  static String text(WordNetNouns.Synset synset) {
    String gloss = synset.gloss();
    int example = gloss.indexOf("; \"");
    return synset.firstWord().replace('_', ' ') + ": " + (example < 0 ? gloss : gloss.substring(0, example));
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
    return train.size();
  }

  @Override
  public long testSize() {
    return test.size();
  }

  @Override
  public Sample trainingSample(String streamId, long sequence) {
    return sample(streamId, sequence, train.get(Math.toIntExact(sequence)));
  }

  @Override
  public Sample testSample(String streamId, long sequence) {
    return sample(streamId, sequence, test.get(Math.toIntExact(sequence)));
  }

  private static Sample sample(String streamId, long sequence, Item item) {
    return Sample.newBuilder()
        .setStreamId(streamId)
        .setSequence(sequence)
        .setEventTime(SplitFashionMnist.BASE_EVENT_TIME.plusMillis(sequence))
        .setTaskId(taskOf(item.label()))
        .setLabel(item.label())
        .setInput(new Text(item.text()))
        .build();
  }

  private static List<List<Item>> itemsByClass(WordNetNouns data) {
    List<List<Item>> byClass = new ArrayList<>();
    for (int c = 0; c < CLASSES; c++) {
      byClass.add(new ArrayList<>());
    }
    for (WordNetNouns.Synset synset : data.synsets()) {
      int label = synset.lexFile() - FIRST_FILE;
      if (label >= 0 && label < CLASSES) {
        byClass.get(label).add(new Item(text(synset), label));
      }
    }
    return byClass;
  }

  /** Task 0's items shuffled, then task 1's, ..., each cut to {@code cap}. */
  private static List<Item> shuffledTaskOrder(List<List<Item>> byClass, Random random, int cap) {
    List<Item> order = new ArrayList<>();
    for (int task = 0; task < TASKS; task++) {
      List<Item> items = itemsOfTask(byClass, task);
      int[] indices = new int[items.size()];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = i;
      }
      ScenarioSamples.fisherYates(indices, random);
      for (int i = 0; i < indices.length && (cap == 0 || i < cap); i++) {
        order.add(items.get(indices[i]));
      }
    }
    return List.copyOf(order);
  }

  private static List<Item> classOrder(List<List<Item>> byClass, int cap) {
    List<Item> order = new ArrayList<>();
    for (int task = 0; task < TASKS; task++) {
      List<Item> items = itemsOfTask(byClass, task);
      order.addAll(cap == 0 ? items : items.subList(0, Math.min(cap, items.size())));
    }
    return List.copyOf(order);
  }

  private static List<Item> itemsOfTask(List<List<Item>> byClass, int task) {
    List<Item> items = new ArrayList<>();
    int perTask = CLASSES / TASKS;
    for (int c = task * perTask; c < (task + 1) * perTask; c++) {
      items.addAll(byClass.get(c));
    }
    return items;
  }
}
