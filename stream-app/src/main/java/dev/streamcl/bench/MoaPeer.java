package dev.streamcl.bench;

import com.yahoo.labs.samoa.instances.Instance;
import com.yahoo.labs.samoa.instances.InstancesHeader;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.Scenario;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import moa.classifiers.Classifier;
import moa.classifiers.bayes.NaiveBayes;
import moa.classifiers.trees.HoeffdingTree;
import moa.core.Utils;

/**
 * The benchmark's peer: MOA's Naive Bayes and Hoeffding tree (MOA's default options) on the same
 * stream, in the same order, with the same features as our learners. Each peer runs prequentially
 * (test-then-train, one instance at a time, over training samples 0..n-1 in stream order), then
 * predicts the test samples. A prediction is MOA's {@link Utils#maxIndex} of the votes, as MOA's own
 * {@code BasicClassificationPerformanceEvaluator} counts it.
 *
 * <p>Instances/s times the prequential loop alone (predict, count, learn): the instances are built
 * once beforehand, shared by both peers, and their build time is reported apart ({@link #buildSeconds()}).
 *
 * <p>MOA is GPL and provided-scope: only {@code dev.streamcl.bench.Moa*} may name its classes, so the
 * rest of the command line loads without it ({@code ./streamcl} puts it on the classpath for {@code bench}).
 */
public final class MoaPeer {
  /** MOA's learners in the benchmark, each built fresh with MOA's default options. */
  public enum Learner {
    NAIVE_BAYES("moa-naive-bayes", NaiveBayes::new),
    HOEFFDING_TREE("moa-hoeffding-tree", HoeffdingTree::new);

    private final String peerName;
    private final Supplier<Classifier> factory;

    Learner(String peerName, Supplier<Classifier> factory) {
      this.peerName = peerName;
      this.factory = factory;
    }

    public String peerName() {
      return peerName;
    }

    /** An untrained classifier for the instances of {@code header}. */
    Classifier create(InstancesHeader header) {
      Classifier classifier = factory.get();
      classifier.setModelContext(header);
      classifier.prepareForUse();
      return classifier;
    }
  }

  /**
   * One peer's figures.
   *
   * @param instances training instances in the prequential pass
   * @param prequentialAccuracy share of training instances predicted right before being learned
   * @param testInstances test instances predicted after the pass
   * @param finalTestAccuracy share of test instances predicted right by the final model
   * @param instancesPerSecond instances through the prequential loop (predict and learn) per second
   */
  public record PeerResult(String name, long instances, double prequentialAccuracy, long testInstances,
      double finalTestAccuracy, double instancesPerSecond) {
    /** One line of a console table. */
    public String line() {
      return String.format("%-20s prequential %.4f  final test %.4f  %,10.0f instances/s  (%,d training, %,d test)",
          name, prequentialAccuracy, finalTestAccuracy, instancesPerSecond, instances, testInstances);
    }
  }

  private final MoaInstances data;

  private MoaPeer(MoaInstances data) {
    this.data = data;
  }

  /**
   * Builds the instances of a prefix of the stream once (decoding and encoding happen here, untimed).
   *
   * @param trainingCap how many training samples from the start of the stream; 0 for all (quick mode: a prefix)
   * @param testCap how many test samples from the start of the test set; 0 for all
   */
  public static MoaPeer on(Scenario scenario, String streamId, long trainingCap, long testCap) {
    return new MoaPeer(MoaInstances.of(scenario, streamId, trainingCap, testCap));
  }

  /**
   * Both peers, Naive Bayes first, each from an untrained model over the same instances; with {@code warmPass},
   * each after one untimed pass of a model of its own, as our learners are timed (steady state, not the JIT's
   * warm-up).
   */
  public List<PeerResult> runAll(boolean warmPass) {
    return Arrays.stream(Learner.values()).map(learner -> {
      if (warmPass) {
        run(learner);
      }
      return run(learner);
    }).toList();
  }

  public PeerResult run(Learner learner) {
    Classifier classifier = learner.create(data.header());
    List<Instance> training = data.training();
    long start = System.nanoTime();
    long correct = prequentialCorrect(classifier, training);
    double seconds = (System.nanoTime() - start) / 1e9;
    List<Instance> test = data.test();
    long testCorrect = test.stream().filter(instance -> isPredictedRight(classifier, instance)).count();
    return new PeerResult(learner.peerName(), training.size(), share(correct, training.size()), test.size(),
        share(testCorrect, test.size()), training.size() / seconds);
  }

  /** Seconds spent building the shared instances (decode, pixels encoder, MOA instances). */
  public double buildSeconds() {
    return data.buildSeconds();
  }

  MoaInstances instances() {
    return data;
  }

  /** Test-then-train over the stream; returns how many predictions were right. */
  private static long prequentialCorrect(Classifier classifier, List<Instance> stream) {
    long correct = 0;
    for (Instance instance : stream) {
      if (isPredictedRight(classifier, instance)) {
        correct++;
      }
      classifier.trainOnInstance(instance);
    }
    return correct;
  }

  private static boolean isPredictedRight(Classifier classifier, Instance instance) {
    return Utils.maxIndex(classifier.getVotesForInstance(instance)) == (int) instance.classValue();
  }

  private static double share(long count, long total) {
    return total == 0 ? Double.NaN : (double) count / total;
  }

  /**
   * Prints one line per peer on the default stream (Split-Fashion-MNIST, seed 42, stream id
   * {@code split-fmnist}). Arguments: {@code [trainingCap [testCap [dataDir]]]}, caps 0 for all.
   */
  public static void main(String[] args) {
    long trainingCap = args.length > 0 ? Long.parseLong(args[0]) : 0;
    long testCap = args.length > 1 ? Long.parseLong(args[1]) : 0;
    FashionMnist data = args.length > 2 ? new FashionMnist(Path.of(args[2])) : FashionMnist.atDefaultLocation();
    MoaPeer peer = on(new SplitFashionMnist(data, 42, 0), SplitFashionMnist.NAME, trainingCap, testCap);
    System.out.printf("MOA peer on %s (seed 42): instances built in %.1f s (not in instances/s)%n",
        SplitFashionMnist.NAME, peer.buildSeconds());
    for (Learner learner : Learner.values()) {
      System.out.println(peer.run(learner).line());
    }
  }
}
