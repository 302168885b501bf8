package dev.streamcl.learner.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.replay.ReplayHyperparameters.Mode;
import dev.streamcl.onnx.ComputeDevice;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ER on class-incremental Split Fashion-MNIST (pixels / 255, one pass over all 60,000 training
 * samples, seed 42 order): minibatches of 32 new + 32 replayed from a 500-sample reservoir. The
 * ONNX learner is checked against a plain-Java ER loop (same {@link ReplayBuffer}, Java SGD step).
 */
class ReplayReferenceTest {
  static final long SEED = 42;
  static final int MINIBATCH = 32;
  static final ReplayHyperparameters ER = new ReplayHyperparameters(Mode.ER, ReplayBuffer.Policy.RESERVOIR, 500, 32,
      Float.parseFloat(System.getProperty("replay.lr", "0.1")), Integer.getInteger("replay.steps", 1), SEED);

  private static SplitFashionMnistData data;

  @BeforeAll
  static void load() throws Exception {
    assumeTrue(SplitFashionMnistData.available(), "Fashion-MNIST not installed in " + SplitFashionMnistData.DIR);
    data = SplitFashionMnistData.load(SEED);
  }

  @Test
  void onnxExperienceReplayMatchesJavaReferenceAndBeatsFineTuning() {
    long start = System.nanoTime();
    double er = onnxAccuracy(ER);
    double reference = javaReferenceAccuracy(ER);
    double fineTuning = onnxAccuracy(ER.withMode(Mode.NO_REPLAY));
    double pseudo = onnxAccuracy(ER.withMode(Mode.PSEUDO_FEATURE));
    double balanced = onnxAccuracy(ER.withPolicy(ReplayBuffer.Policy.CLASS_BALANCED));
    System.out.printf("Split-FMNIST lr=%s steps=%d: ER reservoir-500 (ONNX) %.4f, Java reference %.4f, "
        + "ER class-balanced-500 %.4f, no replay %.4f, pseudo-feature %.4f (%.1f s)%n", ER.learningRate(),
        ER.stepsPerMinibatch(), er, reference, balanced, fineTuning, pseudo, (System.nanoTime() - start) / 1e9);
    assertEquals(reference, er, 0.02, "ONNX ER vs plain-Java ER");
    assertTrue(er >= 0.70, "ER accuracy " + er);
    assertTrue(fineTuning <= 0.25, "no-replay accuracy " + fineTuning);
  }

  private static double onnxAccuracy(ReplayHyperparameters config) {
    try (ExperienceReplay learner = new ExperienceReplay(SplitFashionMnistData.PIXELS, config, ComputeDevice.cpu())) {
      int[] labels = new int[MINIBATCH];
      for (int from = 0; from < data.trainOrder.length; from += MINIBATCH) {
        int n = Math.min(MINIBATCH, data.trainOrder.length - from);
        learner.testThenTrain(data.trainBatch(from, n, labels), n, labels);
      }
      int correct = 0;
      for (int from = 0; from < data.testLabels.length; from += 1000) {
        Predictions p = learner.predict(data.testFeatures(from, 1000), 1000);
        for (int i = 0; i < 1000; i++) {
          correct += p.predictedLabel(i) == data.testLabels[from + i] ? 1 : 0;
        }
      }
      return correct / (double) data.testLabels.length;
    }
  }

  /** The whole ER loop in plain Java: its own SGD step, the same buffer class and call order. */
  private static double javaReferenceAccuracy(ReplayHyperparameters config) {
    SoftmaxHead head = new SoftmaxHead(SplitFashionMnistData.PIXELS);
    ReplayBuffer buffer =
        new ReplayBuffer(config.policy(), SplitFashionMnistData.PIXELS, config.capacity(), config.seed());
    int[] labels = new int[MINIBATCH];
    for (int from = 0; from < data.trainOrder.length; from += MINIBATCH) {
      int n = Math.min(MINIBATCH, data.trainOrder.length - from);
      float[] x = data.trainBatch(from, n, labels);
      for (int step = 0; step < config.stepsPerMinibatch(); step++) {
        ReplaySamples batch = ReplaySamples.concat(x, n, labels, buffer.sample(config.replayCount()));
        JavaSoftmaxSgd.step(head, batch.features(), batch.count(), batch.labels(), config.learningRate());
      }
      for (int i = 0; i < n; i++) {
        buffer.offer(x, i * SplitFashionMnistData.PIXELS, labels[i]);
      }
    }
    float[] test = data.testFeatures(0, data.testLabels.length);
    int correct = 0;
    for (int i = 0; i < data.testLabels.length; i++) {
      correct += JavaSoftmaxSgd.predict(head, test, i * SplitFashionMnistData.PIXELS) == data.testLabels[i] ? 1 : 0;
    }
    return correct / (double) data.testLabels.length;
  }
}
