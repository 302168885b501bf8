package dev.streamcl.learner.kvb;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The motivating toy of Träuble et al. (ICML 2023, Fig. 1/2): 2-D inputs (identity encoder), 8
 * Gaussian blobs on a 4×2 grid over [0,1]², learnt class-incrementally as 4 tasks of 2 classes,
 * one pass per task in minibatches. A linear softmax head fine-tuned task by task forgets; the KVB,
 * whose keys were fitted on unlabelled points covering the whole square, only changes the values of
 * keys near the current task's blobs, so earlier tasks keep their answers.
 *
 * <p>Settings: 16 codebooks × 64 keys of dim 2, top-1. 64 keys tile the unit square in cells about
 * 1/8 wide, half the 0.25 spacing of the blobs (σ = 0.03), so blobs of different tasks rarely share
 * a key; 16 codebooks with different random 2×2 projections give differently shaped tilings, whose
 * mean outvotes the few cells that straddle two blobs. Paper lr 0.3 and label smoothing 0.1: from
 * zero values one step already makes the trained class the argmax of the fetched rows.
 */
class KvbToyTest {
  private static final int TASKS = 4;
  private static final int CLASSES = 2 * TASKS;
  private static final int TRAIN_PER_CLASS = 300;
  private static final int TEST_PER_CLASS = 200;
  private static final int BATCH = 32;
  private static final double SIGMA = 0.03;
  private static final double LINEAR_LR = 2.0;
  private static final KvbHyperparameters CONFIG =
      new KvbHyperparameters(16, 64, 2, 1, CLASSES, 0.3, 0.1, 21L, 0.95, 0.1, 32_768);

  /** Blob centre: task t = column t, class 2t at y = 0.25 and class 2t+1 at y = 0.75. */
  private static double[] centre(int label) {
    return new double[] {0.125 + 0.25 * (label / 2), label % 2 == 0 ? 0.25 : 0.75};
  }

  private record Sample(float[] x, int label) {}

  private static List<Sample> blobs(Random random, int perClass, int... labels) {
    List<Sample> samples = new ArrayList<>();
    for (int label : labels) {
      double[] c = centre(label);
      for (int i = 0; i < perClass; i++) {
        samples.add(new Sample(new float[] {(float) (c[0] + SIGMA * random.nextGaussian()),
            (float) (c[1] + SIGMA * random.nextGaussian())}, label));
      }
    }
    return samples;
  }

  private static KeyValueBottleneck keysFromUniformPoints() {
    Random random = new Random(1);
    EmaKMeans kMeans = new EmaKMeans(CONFIG, 2);
    int batch = 512;
    float[] x = new float[batch * 2];
    for (int seen = 0; seen < CONFIG.keyInitSamples(); seen += batch) {
      for (int i = 0; i < x.length; i++) {
        x[i] = random.nextFloat();
      }
      kMeans.feed(x, batch);
    }
    return kMeans.freeze();
  }

  /** A learner under test: one minibatch step, one prediction. */
  private interface Learner {
    void step(float[] x, int[] labels, int n);

    int predict(float[] x);

    /** Batch prediction; one sample at a time unless the learner does better. */
    default int[] predict(float[] x, int n) {
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = predict(new float[] {x[2 * i], x[2 * i + 1]});
      }
      return labels;
    }
  }

  private static final class Kvb implements Learner {
    final KeyValueBottleneck state = keysFromUniformPoints();
    final KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu());

    public void step(float[] x, int[] labels, int n) {
      kernel.trainStep(state, x, n, labels);
    }

    public int predict(float[] x) {
      return predict(x, 1)[0];
    }

    @Override
    public int[] predict(float[] x, int n) {
      Predictions p = kernel.predict(state, x, n);
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        labels[i] = p.predictedLabel(i);
      }
      return labels;
    }
  }

  /** Softmax linear head over (x, y, 1): plain SGD on mean cross-entropy, the fine-tuning baseline. */
  private static final class LinearHead implements Learner {
    final double[][] w = new double[CLASSES][3];

    public void step(float[] x, int[] labels, int n) {
      double[][] gradient = new double[CLASSES][3];
      for (int i = 0; i < n; i++) {
        double[] p = probabilities(x[2 * i], x[2 * i + 1]);
        double[] input = {x[2 * i], x[2 * i + 1], 1};
        for (int k = 0; k < CLASSES; k++) {
          double residual = p[k] - (k == labels[i] ? 1 : 0);
          for (int j = 0; j < 3; j++) {
            gradient[k][j] += residual * input[j] / n;
          }
        }
      }
      for (int k = 0; k < CLASSES; k++) {
        for (int j = 0; j < 3; j++) {
          w[k][j] -= LINEAR_LR * gradient[k][j];
        }
      }
    }

    public int predict(float[] x) {
      double[] p = probabilities(x[0], x[1]);
      int best = 0;
      for (int k = 1; k < CLASSES; k++) {
        best = p[k] > p[best] ? k : best;
      }
      return best;
    }

    private double[] probabilities(double x, double y) {
      double[] logits = new double[CLASSES];
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < CLASSES; k++) {
        logits[k] = w[k][0] * x + w[k][1] * y + w[k][2];
        max = Math.max(max, logits[k]);
      }
      double sum = 0;
      for (int k = 0; k < CLASSES; k++) {
        logits[k] = Math.exp(logits[k] - max);
        sum += logits[k];
      }
      for (int k = 0; k < CLASSES; k++) {
        logits[k] /= sum;
      }
      return logits;
    }
  }

  /** Accuracy (%) of each task's held-out points right after each task, and over all 8 classes at the end. */
  private record Run(double[][] taskAccuracy, double finalAccuracy) {}

  private static Run learnClassIncrementally(Learner learner) {
    Random random = new Random(7);
    List<List<Sample>> tests = new ArrayList<>();
    for (int t = 0; t < TASKS; t++) {
      tests.add(blobs(random, TEST_PER_CLASS, 2 * t, 2 * t + 1));
    }
    double[][] accuracy = new double[TASKS][TASKS]; // [after task][of task]
    for (int t = 0; t < TASKS; t++) {
      List<Sample> train = blobs(random, TRAIN_PER_CLASS, 2 * t, 2 * t + 1);
      Collections.shuffle(train, random);
      onePass(learner, train);
      for (int u = 0; u <= t; u++) {
        accuracy[t][u] = accuracy(learner, tests.get(u));
      }
    }
    List<Sample> all = new ArrayList<>();
    tests.forEach(all::addAll);
    return new Run(accuracy, accuracy(learner, all));
  }

  private static void onePass(Learner learner, List<Sample> train) {
    for (int from = 0; from < train.size(); from += BATCH) {
      int n = Math.min(BATCH, train.size() - from);
      float[] x = new float[2 * n];
      int[] labels = new int[n];
      for (int i = 0; i < n; i++) {
        System.arraycopy(train.get(from + i).x(), 0, x, 2 * i, 2);
        labels[i] = train.get(from + i).label();
      }
      learner.step(x, labels, n);
    }
  }

  private static double accuracy(Learner learner, List<Sample> test) {
    float[] x = new float[2 * test.size()];
    for (int i = 0; i < test.size(); i++) {
      System.arraycopy(test.get(i).x(), 0, x, 2 * i, 2);
    }
    int[] predicted = learner.predict(x, test.size());
    long correct = 0;
    for (int i = 0; i < test.size(); i++) {
      correct += predicted[i] == test.get(i).label() ? 1 : 0;
    }
    return 100.0 * correct / test.size();
  }

  private static void print(String name, Run run) {
    StringBuilder s = new StringBuilder(String.format("KVB toy | %-11s | all 8 classes after task 4: %5.1f%%", name,
        run.finalAccuracy()));
    for (int t = 0; t < TASKS; t++) {
      s.append(String.format(" | task %d: %5.1f%% after it, %5.1f%% after task 4", t + 1, run.taskAccuracy()[t][t],
          run.taskAccuracy()[TASKS - 1][t]));
    }
    System.out.println(s);
  }

  @Test
  void kvbLearnsClassIncrementallyWithoutForgettingWhereALinearHeadForgets() {
    Run linear = learnClassIncrementally(new LinearHead());
    Kvb kvb = new Kvb();
    Run bottleneck;
    try (KeyValueBottleneckKernel kernel = kvb.kernel) {
      bottleneck = learnClassIncrementally(kvb);
    }
    print("linear head", linear);
    print("KVB", bottleneck);
    assertTrue(linear.finalAccuracy() <= 50, "the fine-tuned linear head forgets: " + linear.finalAccuracy());
    assertTrue(bottleneck.finalAccuracy() >= 90, "KVB over all classes: " + bottleneck.finalAccuracy());
    double drop = bottleneck.taskAccuracy()[0][0] - bottleneck.taskAccuracy()[TASKS - 1][0];
    assertTrue(Math.abs(drop) <= 5, "KVB task 1 accuracy moved by " + drop + " points");
  }
}
