package dev.streamcl.cli;

import dev.streamcl.scenario.BlurryTaskFreeFashionMnist;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.Scenario;
import dev.streamcl.scenario.Scenarios;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which scenario stream to write; `publish` and `demo` share these. */
public final class ScenarioOptions {
  @Option(names = "--data-dir", description = "The scenario's dataset directory (default: "
      + "/usr/share/datasets/fashion-mnist, or /usr/share/wordnet for wordnet-supersenses).")
  Path dataDir;

  @Option(names = "--seed", defaultValue = "42", description = "Order within each task (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--stream-id", defaultValue = "split-fmnist", description = "Stream id (default: ${DEFAULT-VALUE}).")
  String streamId;

  @Option(names = "--samples-per-task", defaultValue = "0",
      description = "At most N samples per task in each split; 0 = all.")
  int samplesPerTask;

  @Option(names = "--partitions", defaultValue = "2",
      description = "Partitions of topics created here (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--window", defaultValue = "-1", description = "blurry-fmnist only: samples over which consecutive "
      + "tasks blend (default: 2,000, at most half the smallest task).")
  int window;

  /** The dataset directory the named scenario reads. */
  public Path dataDir(String name) {
    return dataDir != null ? dataDir : Scenarios.defaultDataDir(name);
  }

  /** The named scenario (see {@link Scenarios#names()}) over its dataset's files. */
  public Scenario scenario(String name) {
    if (window != -1 && !name.equals(BlurryTaskFreeFashionMnist.NAME)) {
      throw new UserError("--window applies to " + BlurryTaskFreeFashionMnist.NAME + " only");
    }
    if (name.equals(BlurryTaskFreeFashionMnist.NAME)) {
      return new BlurryTaskFreeFashionMnist(new FashionMnist(dataDir(name)), seed, samplesPerTask, window);
    }
    return Scenarios.create(name, dataDir(name), seed, samplesPerTask);
  }
}
