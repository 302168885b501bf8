package dev.streamcl.learner.nmc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class NearestClassMeanTest {
  private static final int DIM = 16;
  private static final int CLASSES = 6;
  private static final int SAMPLES = 400;
  private static NearestClassMean nmc;

  @BeforeAll
  static void openKernel() {
    nmc = new NearestClassMean(DIM, ComputeDevice.cpu());
  }

  @AfterAll
  static void closeKernel() {
    nmc.close();
  }

  /** Samples around random class centres; about one in five unlabelled. */
  private static final class Stream {
    final float[] features = new float[SAMPLES * DIM];
    final int[] labels = new int[SAMPLES];

    Stream(long seed) {
      Random random = new Random(seed);
      double[][] centres = new double[CLASSES][DIM];
      for (double[] centre : centres) {
        Arrays.setAll(centre, k -> random.nextGaussian());
      }
      for (int i = 0; i < SAMPLES; i++) {
        int label = random.nextInt(CLASSES);
        for (int k = 0; k < DIM; k++) {
          features[i * DIM + k] = (float) (3 * centres[label][k] + 2 * random.nextGaussian());
        }
        labels[i] = random.nextDouble() < 0.2 ? NearestClassMean.UNLABELLED : 10 * label + 7;
      }
    }
  }

  private static ClassMeanState emptyState() {
    return new ClassMeanState(DIM);
  }

  /** Four of the six classes seen before the stream, plus a class the stream never shows. */
  private static ClassMeanState priorState() {
    Random random = new Random(99);
    int[] labels = {27, 7, 999, 47};
    long[] counts = {5, 1, 3, 12};
    double[] sums = new double[labels.length * DIM];
    for (int c = 0; c < labels.length; c++) {
      for (long n = 0; n < counts[c]; n++) {
        double[] x = new double[DIM];
        Arrays.setAll(x, k -> random.nextGaussian());
        double norm = Math.sqrt(Arrays.stream(x).map(v -> v * v).sum());
        for (int k = 0; k < DIM; k++) {
          sums[c * DIM + k] += x[k] / norm;
        }
      }
    }
    return ClassMeanState.of(DIM, labels, sums, counts, 40);
  }

  private static final class Run {
    final List<int[]> topLabels = new ArrayList<>();
    final List<float[]> topScores = new ArrayList<>();
    final ClassMeanState state;

    Run(ClassMeanState state) {
      this.state = state;
    }
  }

  /** Test-then-train over the stream cut into batches of the given sizes (cycled). */
  private static Run runBatched(Stream stream, ClassMeanState start, IntUnaryOperator batchSize) {
    Run run = new Run(start.copy());
    for (int from = 0, b = 0; from < SAMPLES; b++) {
      int size = Math.min(batchSize.applyAsInt(b), SAMPLES - from);
      float[] x = Arrays.copyOfRange(stream.features, from * DIM, (from + size) * DIM);
      int[] y = Arrays.copyOfRange(stream.labels, from, from + size);
      Predictions p = nmc.predictThenNormalize(run.state, x, size, y);
      for (int i = 0; i < size; i++) {
        run.topLabels.add(p.topLabels(i));
        run.topScores.add(p.topScores(i));
        if (y[i] != NearestClassMean.UNLABELLED) {
          run.state.add(p.features(), p.featureOffset(i), y[i]);
        } else {
          run.state.countUnlabelled(1);
        }
      }
      from += size;
    }
    return run;
  }

  private static IntUnaryOperator randomSizes(long seed) {
    Random random = new Random(seed);
    int[] sizes = random.ints(SAMPLES, 1, 41).toArray();
    return b -> sizes[b];
  }

  @Test
  void graphMatchesSequentialReferenceFromEmptyState() {
    assertMatchesReference(emptyState(), 1);
  }

  @Test
  void graphMatchesSequentialReferenceFromPriorState() {
    assertMatchesReference(priorState(), 2);
  }

  private static void assertMatchesReference(ClassMeanState start, long seed) {
    Stream stream = new Stream(seed);
    Run run = runBatched(stream, start, randomSizes(seed));
    SequentialNmc reference = new SequentialNmc(start);
    int predicted = 0;
    for (int i = 0; i < SAMPLES; i++) {
      List<double[]> expected = reference.predictThenLearn(stream.features, i * DIM, stream.labels[i], 3);
      int[] labels = run.topLabels.get(i);
      float[] scores = run.topScores.get(i);
      assertEquals(expected.size(), labels.length, "number of known classes at sample " + i);
      for (int j = 0; j < labels.length; j++) {
        assertEquals((int) expected.get(j)[0], labels[j], "rank " + j + " label at sample " + i);
        assertEquals(expected.get(j)[1], scores[j], 1e-4, "rank " + j + " score at sample " + i);
      }
      predicted += labels.length > 0 ? 1 : 0;
    }
    assertTrue(predicted > SAMPLES - 5, "almost every sample gets a prediction");
    assertEquals(reference.labels, Arrays.stream(run.state.labels()).boxed().toList());
    for (int c = 0; c < reference.labels.size(); c++) {
      assertEquals((long) reference.counts.get(c), run.state.count(c));
      for (int k = 0; k < DIM; k++) {
        assertEquals(reference.sums.get(c)[k], run.state.sum(c, k), 1e-5);
      }
    }
  }

  @Test
  void batchSplitsChangeNeitherPredictionsNorTheFinalState() {
    Stream stream = new Stream(5);
    for (ClassMeanState start : List.of(emptyState(), priorState())) {
      Run single = runBatched(stream, start, b -> 1);
      Run whole = runBatched(stream, start, b -> SAMPLES);
      Run random = runBatched(stream, start, randomSizes(17));
      for (Run other : List.of(whole, random)) {
        for (int i = 0; i < SAMPLES; i++) {
          assertArrayEquals(single.topLabels.get(i), other.topLabels.get(i), "sample " + i);
        }
        assertEquals(single.state, other.state);
      }
      assertEquals(start.samplesSeen() + SAMPLES, single.state.samplesSeen());
    }
  }

  @Test
  void firstSamplesOfAnEmptyStateHaveNoPredictionUntilALabelArrives() {
    float[] x = new Stream(8).features;
    int u = NearestClassMean.UNLABELLED;
    Predictions onlyUnlabelled = nmc.predictThenNormalize(emptyState(), x, 2, new int[] {u, u});
    assertFalse(onlyUnlabelled.hasPrediction(0) || onlyUnlabelled.hasPrediction(1));

    Predictions p = nmc.predictThenNormalize(emptyState(), x, 4, new int[] {u, 3, u, 5});
    assertFalse(p.hasPrediction(0) || p.hasPrediction(1));
    assertArrayEquals(new int[] {3}, p.topLabels(2));
    assertEquals(3, p.predictedLabel(3));
    assertEquals(1, p.topLabels(3).length, "class 5 is unknown until after sample 3");
  }

  @Test
  void servingPredictsFromStateOrPublishedModelAlike() {
    Stream stream = new Stream(4);
    ClassMeanState state = runBatched(stream, priorState(), randomSizes(4)).state;
    NearestClassMeanModel model = NearestClassMeanModel.of(state, new EncoderIdentity("test", "0", DIM));
    SequentialNmc reference = new SequentialNmc(state);
    Predictions fromState = nmc.predict(state, stream.features, 50);
    Predictions fromModel = nmc.predict(model, stream.features, 50);
    for (int i = 0; i < 50; i++) {
      List<double[]> expected = reference.predictThenLearn(stream.features, i * DIM, NearestClassMean.UNLABELLED, 3);
      assertEquals((int) expected.get(0)[0], fromState.predictedLabel(i));
      assertArrayEquals(fromState.topLabels(i), fromModel.topLabels(i));
      assertArrayEquals(fromState.topScores(i), fromModel.topScores(i), 1e-5f);
      assertEquals(expected.get(0)[1], fromModel.topScores(i)[0], 1e-4);
    }
  }
}
