package dev.streamcl.learner.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.replay.ReplayHyperparameters.Mode;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExperienceReplayTest {
  private static final int DIM = 4;
  private static final ReplayHyperparameters CONFIG =
      new ReplayHyperparameters(Mode.ER, ReplayBuffer.Policy.RESERVOIR, 20, 8, 0.2f, 2, 5);

  @Test
  void testsBeforeTraining() {
    try (ExperienceReplay learner = new ExperienceReplay(DIM, CONFIG, ComputeDevice.cpu())) {
      Predictions first = learner.testThenTrain(new float[] {1, 0, 0, 0}, 1, new int[] {3});
      assertFalse(first.hasPrediction(0), "no class known before the first sample is learned");
      assertEquals(3, learner.testThenTrain(new float[] {1, 0, 0, 0}, 1, new int[] {3}).predictedLabel(0));
      assertEquals(2, ((ReplayBuffer) learner.memory()).size());
    }
  }

  @Test
  void sameSeedAndStreamGiveTheSameStateInEveryMode() {
    for (Mode mode : Mode.values()) {
      ReplayHyperparameters config = CONFIG.withMode(mode);
      try (ExperienceReplay a = new ExperienceReplay(DIM, config, ComputeDevice.cpu());
          ExperienceReplay b = new ExperienceReplay(DIM, config, ComputeDevice.cpu())) {
        feed(a, 7);
        feed(b, 7);
        assertEquals(a.head(), b.head(), mode.toString());
        assertEquals(a.memory(), b.memory(), mode.toString());
      }
    }
  }

  @Test
  void pseudoFeaturesTranslateNewFeaturesToOldCentroids() {
    PseudoFeatureReplay memory = new PseudoFeatureReplay(2, 1);
    memory.remember(new float[] {10, 10, 12, 10}, 2, new int[] {0, 0}); // μ_0 = (11, 10)
    float[] x = {1, 2, 3, 2};
    int[] labels = {4, 4}; // μ_4 = (2, 2)
    ReplaySamples pseudo = memory.draw(x, 2, labels, 6);
    assertEquals(6, pseudo.count());
    for (int p = 0; p < pseudo.count(); p++) {
      assertEquals(0, pseudo.labels()[p]);
      float px = pseudo.features()[2 * p];
      assertTrue(px == 1 - 2 + 11 || px == 3 - 2 + 11, "x − μ_y + μ_c, got " + px);
      assertEquals(10f, pseudo.features()[2 * p + 1]);
    }
    assertEquals(0, memory.draw(x, 2, new int[] {0, 4}, 6).count(), "class 0 is in the minibatch: not old");
    assertArrayEquals(new double[] {11, 10}, memory.mean(0), 1e-12);
  }

  private static void feed(ExperienceReplay learner, long seed) {
    Random random = new Random(seed);
    for (int batch = 0; batch < 30; batch++) {
      float[] x = new float[5 * DIM];
      int[] labels = new int[5];
      for (int i = 0; i < 5; i++) {
        labels[i] = batch / 10 * 2 + random.nextInt(2);
        for (int k = 0; k < DIM; k++) {
          x[i * DIM + k] = (float) random.nextGaussian() + labels[i];
        }
      }
      learner.testThenTrain(x, 5, labels);
    }
  }
}
