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
  void addKeepsPlainSumsAndCountsInFirstAppearanceOrder() {
    ClassMeanState state = new ClassMeanState(2);
    state.add(new float[] {9, 9, 1, 2}, 2, 5);
    state.add(new float[] {3, 4}, 0, 2);
    state.add(new float[] {0.5f, -1}, 0, 5);
    assertArrayEquals(new int[] {5, 2}, state.labels());
    assertArrayEquals(new double[] {1.5, 1, 3, 4}, state.sums());
    assertArrayEquals(new long[] {2, 1}, state.counts());
    assertEquals(1, state.classIndex(2));
    assertEquals(-1, state.classIndex(9));
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
