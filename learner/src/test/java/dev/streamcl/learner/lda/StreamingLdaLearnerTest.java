package dev.streamcl.learner.lda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.Publication;
import dev.streamcl.learner.linear.LinearHead;
import dev.streamcl.learner.linear.LinearHeadKernel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.onnx.OnnxKernel;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming LDA against a plain-Java reference written from the paper's definitions: two-pass class means and
 * pooled within-class covariance, the shrunk covariance inverted by Gauss–Jordan elimination, class scores
 * x·Λμ − ½ μᵀΛμ.
 */
class StreamingLdaLearnerTest {
  private static final int DIM = 12;
  private static final int CLASSES = 4;
  private static final EncoderIdentity ENCODER = new EncoderIdentity("synthetic", "0".repeat(64), DIM);
  private static final StreamingLdaLearner.Settings SETTINGS = new StreamingLdaLearner.Settings(1e-3, 32);
  private static LinearHeadKernel kernel;

  @BeforeAll
  static void open() {
    kernel = new LinearHeadKernel(DIM, ComputeDevice.cpu());
  }

  @AfterAll
  static void close() {
    kernel.close();
  }

  /** Classes with different means and one shared, strongly correlated covariance: where LDA beats class means. */
  private static float[][] samples(int n, int[] labels, long seed) {
    Random random = new Random(seed);
    double[][] mix = new double[DIM][DIM];
    for (double[] row : mix) {
      for (int j = 0; j < DIM; j++) {
        row[j] = random.nextGaussian();
      }
    }
    Random draw = new Random(seed + 1);
    float[][] x = new float[n][DIM];
    for (int i = 0; i < n; i++) {
      labels[i] = draw.nextInt(CLASSES);
      double[] z = new double[DIM];
      for (int j = 0; j < DIM; j++) {
        z[j] = draw.nextGaussian();
      }
      for (int j = 0; j < DIM; j++) {
        double v = 0.6 * labels[i] * (j % 3 == labels[i] % 3 ? 1 : 0);
        for (int k = 0; k < DIM; k++) {
          v += mix[j][k] * z[k];
        }
        x[i][j] = (float) v;
      }
    }
    return x;
  }

  private static StreamingLdaState learn(StreamingLdaLearner learner, float[][] x, int[] labels, int from, int to) {
    StreamingLdaState state = learner.initialState(DIM);
    for (int start = from; start < to; start += SETTINGS.solveEvery()) {
      int n = Math.min(SETTINGS.solveEvery(), to - start);
      FeatureBatch batch = FeatureBatch.allocate("s", DIM, n);
      for (int i = 0; i < n; i++) {
        System.arraycopy(x[start + i], 0, batch.features, i * DIM, DIM);
        batch.labels[i] = labels[start + i];
      }
      learner.testThenTrain(kernel, state, batch);
    }
    return state;
  }

  @Test
  void statisticsAndPredictionsMatchTheReference() {
    int[] labels = new int[2000];
    float[][] x = samples(2000, labels, 5);
    StreamingLdaLearner learner = new StreamingLdaLearner(SETTINGS, ENCODER);
    StreamingLdaState state = learn(learner, x, labels, 0, 1600);

    Reference reference = new Reference(x, labels, 1600);
    double[] means = state.means();
    double[] cov = state.covariance();
    int[] order = state.labels();
    for (int c = 0; c < CLASSES; c++) {
      for (int k = 0; k < DIM; k++) {
        assertEquals(reference.means[order[c]][k], means[c * DIM + k], 1e-4 * Math.abs(reference.means[order[c]][k])
            + 1e-9, "mean of class " + order[c]);
      }
    }
    for (int i = 0; i < DIM; i++) {
      for (int j = 0; j < DIM; j++) {
        assertEquals(reference.cov[i][j], cov[i * DIM + j], 1e-4 * Math.abs(reference.cov[i][j]) + 1e-9);
      }
    }
    float[] test = rows(x, 1600, 400);
    Predictions ours = kernel.predict(StreamingLda.head(state, SETTINGS.shrinkage()), test, 400);
    int correct = 0;
    int nmcCorrect = 0;
    for (int i = 0; i < 400; i++) {
      int expected = reference.predict(x[1600 + i], SETTINGS.shrinkage());
      assertEquals(expected, ours.predictedLabel(i), "test sample " + i);
      correct += expected == labels[1600 + i] ? 1 : 0;
      nmcCorrect += reference.nearestMean(x[1600 + i]) == labels[1600 + i] ? 1 : 0;
    }
    assertTrue(correct > nmcCorrect + 20, "LDA " + correct + " vs nearest mean " + nmcCorrect + " of 400 on "
        + "correlated classes");
  }

  @Test
  void aMinibatchIsPredictedByTheClassifierBeforeIt() {
    int[] labels = new int[96];
    float[][] x = samples(96, labels, 9);
    StreamingLdaLearner learner = new StreamingLdaLearner(SETTINGS, ENCODER);
    StreamingLdaState state = learn(learner, x, labels, 0, 64);
    LinearHead before = StreamingLda.head(state, SETTINGS.shrinkage());
    FeatureBatch batch = FeatureBatch.allocate("s", DIM, 32);
    for (int i = 0; i < 32; i++) {
      System.arraycopy(x[64 + i], 0, batch.features, i * DIM, DIM);
      batch.labels[i] = labels[64 + i];
    }
    Predictions expected = kernel.predict(before, batch.features.clone(), 32);

    Predictions got = learner.testThenTrain(kernel, state, batch);

    for (int i = 0; i < 32; i++) {
      assertEquals(expected.predictedLabel(i), got.predictedLabel(i));
    }
    assertEquals(96, state.labelledSeen());
  }

  @Test
  void halvesMergeIntoTheWholeStreamsStatistics() {
    int[] labels = new int[1000];
    float[][] x = samples(1000, labels, 11);
    StreamingLdaLearner learner = new StreamingLdaLearner(SETTINGS, ENCODER);
    StreamingLdaState whole = learn(learner, x, labels, 0, 1000);
    StreamingLdaState merged = learner.merge().apply(learn(learner, x, labels, 0, 480),
        learn(learner, x, labels, 480, 1000));

    assertArrayEquals(whole.labels(), merged.labels());
    assertArrayEquals(whole.counts(), merged.counts());
    assertArrayEquals(whole.sums(), merged.sums(), 1e-9);
    assertArrayEquals(whole.outerProducts(), merged.outerProducts(), 1e-9);
    assertEquals(whole.samplesSeen(), merged.samplesSeen());
  }

  @Test
  void theSnapshotsPortableHeadPredictsAsTheKernelAndTheStateSurvivesItsSchema() throws Exception {
    int[] labels = new int[500];
    float[][] x = samples(500, labels, 13);
    StreamingLdaLearner learner = new StreamingLdaLearner(SETTINGS, ENCODER);
    StreamingLdaState state = learn(learner, x, labels, 0, 400);
    ModelUpdate snapshot = learner.snapshot(state, new Publication("s", 3, 400, 400, List.of(), Instant.EPOCH));
    float[] test = rows(x, 400, 100);
    Predictions expected = kernel.predict(StreamingLda.head(state, SETTINGS.shrinkage()), test, 100);
    byte[] portable = new byte[snapshot.getPortableModel().remaining()];
    snapshot.getPortableModel().duplicate().get(portable);
    try (OnnxKernel head = new OnnxKernel(portable, ComputeDevice.cpu())) {
      head.feed("features", test, 100, DIM);
      try (OnnxKernel.Outputs out = head.run()) {
        long[] predicted = out.longs("label");
        for (int i = 0; i < 100; i++) {
          assertEquals(expected.predictedLabel(i), (int) predicted[i]);
        }
      }
    }
    StreamingLdaStateSchema schema = new StreamingLdaStateSchema();
    assertEquals(state, schema.read(schema.write(state)));
  }

  private static float[] rows(float[][] x, int from, int n) {
    float[] rows = new float[n * DIM];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x[from + i], 0, rows, i * DIM, DIM);
    }
    return rows;
  }

  /** Two-pass statistics and Gauss–Jordan inversion, from the definitions. */
  private static final class Reference {
    final double[][] means = new double[CLASSES][DIM];
    final double[][] cov = new double[DIM][DIM];

    Reference(float[][] x, int[] labels, int n) {
      int[] count = new int[CLASSES];
      for (int i = 0; i < n; i++) {
        count[labels[i]]++;
        for (int k = 0; k < DIM; k++) {
          means[labels[i]][k] += x[i][k];
        }
      }
      for (int c = 0; c < CLASSES; c++) {
        for (int k = 0; k < DIM; k++) {
          means[c][k] /= count[c];
        }
      }
      for (int i = 0; i < n; i++) {
        for (int a = 0; a < DIM; a++) {
          for (int b = 0; b < DIM; b++) {
            cov[a][b] += (x[i][a] - means[labels[i]][a]) * (x[i][b] - means[labels[i]][b]) / n;
          }
        }
      }
    }

    int predict(float[] x, double shrinkage) {
      double[][] precision = inverse(shrinkage);
      int best = -1;
      double bestScore = Double.NEGATIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        double score = 0;
        for (int a = 0; a < DIM; a++) {
          for (int b = 0; b < DIM; b++) {
            score += (x[a] - 0.5 * means[c][a]) * precision[a][b] * means[c][b];
          }
        }
        if (score > bestScore) {
          bestScore = score;
          best = c;
        }
      }
      return best;
    }

    int nearestMean(float[] x) {
      int best = -1;
      double bestDistance = Double.POSITIVE_INFINITY;
      for (int c = 0; c < CLASSES; c++) {
        double distance = 0;
        for (int k = 0; k < DIM; k++) {
          distance += (x[k] - means[c][k]) * (x[k] - means[c][k]);
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      return best;
    }

    private double[][] inverse(double shrinkage) {
      double[][] m = new double[DIM][2 * DIM];
      for (int i = 0; i < DIM; i++) {
        for (int j = 0; j < DIM; j++) {
          m[i][j] = (1 - shrinkage) * cov[i][j] + (i == j ? shrinkage : 0);
        }
        m[i][DIM + i] = 1;
      }
      for (int col = 0; col < DIM; col++) {
        int pivot = col;
        for (int r = col + 1; r < DIM; r++) {
          if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) {
            pivot = r;
          }
        }
        double[] swap = m[col];
        m[col] = m[pivot];
        m[pivot] = swap;
        double p = m[col][col];
        for (int j = 0; j < 2 * DIM; j++) {
          m[col][j] /= p;
        }
        for (int r = 0; r < DIM; r++) {
          if (r != col) {
            double f = m[r][col];
            for (int j = 0; j < 2 * DIM; j++) {
              m[r][j] -= f * m[col][j];
            }
          }
        }
      }
      double[][] inverse = new double[DIM][DIM];
      for (int i = 0; i < DIM; i++) {
        System.arraycopy(m[i], DIM, inverse[i], 0, DIM);
      }
      return inverse;
    }
  }
}
