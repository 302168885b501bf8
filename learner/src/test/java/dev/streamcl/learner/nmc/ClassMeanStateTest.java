package dev.streamcl.learner.nmc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClassMeanStateTest {
  private static final int DIM = 8;

  @Test
  void mergingTwoHalvesEqualsTheWhole() {
    Random random = new Random(21);
    int samples = 300;
    float[] x = new float[samples * DIM];
    int[] labels = new int[samples];
    for (int i = 0; i < samples; i++) {
      labels[i] = random.nextInt(i < samples / 2 ? 4 : 7); // the second half brings new classes
      for (int k = 0; k < DIM; k++) {
        x[i * DIM + k] = (float) random.nextGaussian();
      }
    }
    ClassMeanState whole = new ClassMeanState(DIM);
    ClassMeanState first = new ClassMeanState(DIM);
    ClassMeanState second = new ClassMeanState(DIM);
    for (int i = 0; i < samples; i++) {
      whole.add(x, i * DIM, labels[i]);
      (i < samples / 2 ? first : second).add(x, i * DIM, labels[i]);
    }
    second.countUnlabelled(5);
    whole.countUnlabelled(5);

    first.merge(second);
    assertArrayEquals(whole.labels(), first.labels());
    assertArrayEquals(whole.counts(), first.counts());
    assertArrayEquals(whole.sums(), first.sums(), 1e-9);
    assertEquals(whole.samplesSeen(), first.samplesSeen());
    assertEquals(samples, first.labelledSeen());
  }

  @Test
  void addKeepsPlainSumsAndCountsWithClassesSortedByLabel() {
    ClassMeanState state = new ClassMeanState(2);
    state.add(new float[] {9, 9, 1, 2}, 2, 5);
    state.add(new float[] {3, 4}, 0, 2);
    state.add(new float[] {0.5f, -1}, 0, 5);
    assertArrayEquals(new int[] {2, 5}, state.labels());
    assertArrayEquals(new double[] {3, 4, 1.5, 1}, state.sums());
    assertArrayEquals(new long[] {1, 2}, state.counts());
    assertEquals(0, state.classIndex(2));
    assertEquals(-1, state.classIndex(9));
    assertEquals(state, ClassMeanState.of(2, new int[] {5, 2}, new double[] {1.5, 1, 3, 4}, new long[] {2, 1}, 3),
        "a state built from classes in another order sorts them");
  }

  /**
   * Features rounded to the 2^-30 grid add exactly: any order and any split of the samples gives the same bits,
   * where plain double sums of the same samples differ in their last bits.
   */
  @Test
  void roundedSumsAreTheSameBitsInAnyOrderAndAnySplit() {
    Random random = new Random(8);
    int samples = 5000;
    float[] x = new float[samples * DIM];
    int[] labels = new int[samples];
    for (int i = 0; i < samples; i++) {
      labels[i] = random.nextInt(3);
      for (int k = 0; k < DIM; k++) {
        // magnitudes from 1e-6 to 1, as normalised features have: their float bits span more than a double holds
        x[i * DIM + k] = (float) (random.nextGaussian() * Math.pow(10, -6 * random.nextDouble()) / Math.sqrt(DIM));
      }
    }
    ClassMeanState forward = new ClassMeanState(DIM);
    ClassMeanState backward = new ClassMeanState(DIM);
    ClassMeanState plainForward = new ClassMeanState(DIM);
    ClassMeanState plainBackward = new ClassMeanState(DIM);
    ClassMeanState[] thirds = {new ClassMeanState(DIM), new ClassMeanState(DIM), new ClassMeanState(DIM)};
    for (int i = 0; i < samples; i++) {
      int j = samples - 1 - i;
      forward.addRounded(x, i * DIM, labels[i]);
      backward.addRounded(x, j * DIM, labels[j]);
      plainForward.add(x, i * DIM, labels[i]);
      plainBackward.add(x, j * DIM, labels[j]);
      thirds[i % 3].addRounded(x, i * DIM, labels[i]);
    }
    thirds[2].merge(thirds[0]);
    thirds[2].merge(thirds[1]);
    assertEquals(forward, backward, "the same samples backwards");
    assertEquals(forward, thirds[2], "every third sample learned apart, merged in another order");
    assertNotEquals(plainForward, plainBackward, "plain double sums depend on the order (else this shows nothing)");
    assertArrayEquals(plainForward.sums(), forward.sums(), 1e-6, "rounding moves a sum by at most n * 2^-31");
  }

  @Test
  void copyIsDeepAndEqualityCoversEveryField() {
    ClassMeanState state = new ClassMeanState(2);
    state.add(new float[] {1, 2}, 0, 1);
    ClassMeanState copy = state.copy();
    assertEquals(state, copy);
    assertEquals(state.hashCode(), copy.hashCode());
    copy.add(new float[] {1, 2}, 0, 1);
    assertNotEquals(state, copy);
    ClassMeanState unlabelled = state.copy();
    unlabelled.countUnlabelled(1);
    assertNotEquals(state, unlabelled);
    assertThrows(IllegalArgumentException.class, () -> state.merge(new ClassMeanState(3)));
  }
}
