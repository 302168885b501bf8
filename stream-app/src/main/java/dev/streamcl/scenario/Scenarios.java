package dev.streamcl.scenario;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The scenarios by name, each built with its default settings from a dataset, a seed and a cap per task. */
public final class Scenarios {
  @FunctionalInterface
  private interface Factory {
    Scenario create(FashionMnist data, long seed, int samplesPerTask);
  }

  private static final Map<String, Factory> FACTORIES = new LinkedHashMap<>();

  static {
    FACTORIES.put(SplitFashionMnist.NAME, SplitFashionMnist::new);
    FACTORIES.put(PermutedFashionMnist.NAME, PermutedFashionMnist::new);
    FACTORIES.put(BlurryTaskFreeFashionMnist.NAME, BlurryTaskFreeFashionMnist::new);
  }

  private Scenarios() {}

  /**
   * A Fashion-MNIST scenario.
   *
   * @param samplesPerTask keep at most this many samples per task; 0 keeps all
   * @throws IllegalArgumentException for an unknown name; the message lists the known ones
   */
  public static Scenario create(String name, FashionMnist data, long seed, int samplesPerTask) {
    Factory factory = FACTORIES.get(name);
    if (factory == null) {
      throw new IllegalArgumentException("Unknown scenario '" + name + "'" + (readsText(name)
          ? " over Fashion-MNIST: " + name + " reads WordNet" : "; known: " + String.join(", ", names())));
    }
    return factory.create(data, seed, samplesPerTask);
  }

  /** Any scenario, its dataset read from {@code dataDir}, or from the dataset's Debian package when null. */
  public static Scenario create(String name, Path dataDir, long seed, int samplesPerTask) {
    Path dir = dataDir != null ? dataDir : defaultDataDir(name);
    if (readsText(name)) {
      return new WordNetSupersenses(new WordNetNouns(dir), seed, samplesPerTask);
    }
    return create(name, new FashionMnist(dir), seed, samplesPerTask);
  }

  /** Where the scenario's Debian package puts its dataset. */
  public static Path defaultDataDir(String name) {
    return readsText(name) ? WordNetNouns.DEFAULT_DIR : FashionMnist.DEFAULT_DIR;
  }

  /** Whether the scenario's samples carry text (a text encoder reads them) rather than images. */
  public static boolean readsText(String name) {
    return WordNetSupersenses.NAME.equals(name);
  }

  /**
   * Whether a task id change in the scenario's stream is a sharp boundary (so versions trained
   * through each task fill an accuracy matrix); false for task-free scenarios with blended boundaries.
   */
  public static boolean hasSharpTaskBoundaries(String name) {
    return !BlurryTaskFreeFashionMnist.NAME.equals(name);
  }

  /** The known names, in a fixed order. */
  public static List<String> names() {
    List<String> names = new ArrayList<>(FACTORIES.keySet());
    names.add(WordNetSupersenses.NAME);
    return List.copyOf(names);
  }
}
