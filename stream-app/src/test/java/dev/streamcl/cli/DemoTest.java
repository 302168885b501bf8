package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.scenario.FashionMnist;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The README's main command, in full: the demo's NMC accuracy on the 10,000 test images must equal
 * an independent plain-Java nearest-class-mean over the same pixels (no ONNX, no Kafka, no Flink).
 */
class DemoTest {
  private static final double TOLERANCE = 0.003;

  @Test
  void demoAccuracyEqualsAPlainJavaNearestClassMean() throws Exception {
    FashionMnist data = FashionMnist.atDefaultLocation();
    LearnerJobConfig defaults = LearnerJobConfig.defaults(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu()));
    LearnerJobConfig learner = defaults.withLearners(List.of("nmc", "kvb", "er", "fetril", "finetune"), defaults.kvb());
    Demo.Result result = Demo.run(new Demo.Settings(null, new Properties(), "streamcl", data.dir(), 42,
        "split-fmnist", 0, 2, learner, false, false), System.out);

    double reference = referenceAccuracy(data.train(), data.test());
    Demo.LearnerResult nmc = result.learner(NearestClassMeanModel.LEARNER);
    System.out.printf("demo nmc accuracy %.4f, plain-Java reference %.4f, %d versions, %.0f samples/s%n",
        nmc.accuracy(), reference, nmc.modelVersions(), result.samplesPerSecond());
    assertEquals(60_000, result.learnedSamples());
    assertEquals(60_000 / LearnerJobConfig.DEFAULT_PUBLISH_EVERY, nmc.modelVersions());
    assertEquals(10_000, nmc.answered());
    assertEquals(10_000, nmc.answeredByFinalVersion(), "every request after the last version must use it");
    assertEquals(reference, nmc.accuracy(), TOLERANCE);

    // KVB publishes one chunked snapshot, then deltas and periodic snapshots: serving must assemble
    // and apply them all to answer every request with the newest version.
    Demo.LearnerResult kvb = result.learner(KeyValueBottleneckModel.LEARNER);
    System.out.printf("demo kvb accuracy %.4f, %d versions%n", kvb.accuracy(), kvb.modelVersions());
    assertEquals(10_000, kvb.answered());
    assertEquals(10_000, kvb.answeredByFinalVersion());

    // Replay heads, served through the portable ONNX model their events carry. ReplayReferenceTest
    // checks the same ER learner against a plain-Java run; here the whole pipeline must keep it.
    Demo.LearnerResult er = result.learner("er");
    Demo.LearnerResult finetune = result.learner("finetune");
    System.out.printf("demo er accuracy %.4f, fetril %.4f, finetune %.4f%n", er.accuracy(),
        result.learner("fetril").accuracy(), finetune.accuracy());
    assertEquals(10_000, er.answeredByFinalVersion());
    assertTrue(er.accuracy() >= 0.70, "experience replay (reservoir 500) should keep old classes");
    assertTrue(finetune.accuracy() <= 0.25, "fine-tuning without replay should forget catastrophically");
  }

  /** Class means of L2-normalised pixel/255 vectors, nearest mean by Euclidean distance, in doubles. */
  static double referenceAccuracy(FashionMnist.Split train, FashionMnist.Split test) {
    int classes = FashionMnist.CLASSES;
    double[][] means = new double[classes][FashionMnist.PIXELS];
    long[] counts = new long[classes];
    for (int i = 0; i < train.size(); i++) {
      double[] x = normalised(train.images()[i]);
      int label = train.labels()[i];
      counts[label]++;
      for (int k = 0; k < x.length; k++) {
        means[label][k] += x[k];
      }
    }
    for (int c = 0; c < classes; c++) {
      for (int k = 0; k < FashionMnist.PIXELS; k++) {
        means[c][k] /= counts[c];
      }
    }
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      double[] x = normalised(test.images()[i]);
      int best = -1;
      double bestDistance = Double.MAX_VALUE;
      for (int c = 0; c < classes; c++) {
        double distance = 0;
        for (int k = 0; k < x.length; k++) {
          double d = x[k] - means[c][k];
          distance += d * d;
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      correct += best == test.labels()[i] ? 1 : 0;
    }
    return (double) correct / test.size();
  }

  private static double[] normalised(byte[] pixels) {
    double[] x = new double[pixels.length];
    double norm = 0;
    for (int k = 0; k < pixels.length; k++) {
      x[k] = (pixels[k] & 0xFF) / 255.0;
      norm += x[k] * x[k];
    }
    norm = Math.sqrt(norm);
    for (int k = 0; k < x.length; k++) {
      x[k] /= norm;
    }
    return x;
  }
}
