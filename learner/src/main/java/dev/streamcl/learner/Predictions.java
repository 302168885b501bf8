package dev.streamcl.learner;

import dev.streamcl.events.LabelScore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A learner's answer for one micro-batch: per sample the top-k (label, score) pairs, best first
 * (higher score = better), and the feature rows the learner used. A sample has no prediction while
 * the learner knows no class.
 */
public final class Predictions {
  private final int[][] topLabels;
  private final float[][] topScores;
  private final float[] features;
  private final int featureDim;

  /** Takes ownership of the arrays; {@code features} is row-major [batch, featureDim]. */
  public Predictions(int[][] topLabels, float[][] topScores, float[] features, int featureDim) {
    if (topLabels.length != topScores.length || (long) topLabels.length * featureDim != features.length) {
      throw new IllegalArgumentException("Predictions need one label row, score row and feature row per sample");
    }
    this.topLabels = topLabels;
    this.topScores = topScores;
    this.features = features;
    this.featureDim = featureDim;
  }

  public int batchSize() {
    return topLabels.length;
  }

  public boolean hasPrediction(int sample) {
    return topLabels[sample].length > 0;
  }

  /** The best label of a sample; check {@link #hasPrediction} first. */
  public int predictedLabel(int sample) {
    if (!hasPrediction(sample)) {
      throw new IllegalStateException("Sample " + sample + " has no prediction: no class was known yet");
    }
    return topLabels[sample][0];
  }

  public int[] topLabels(int sample) {
    return topLabels[sample].clone();
  }

  public float[] topScores(int sample) {
    return topScores[sample].clone();
  }

  /** The feature rows the learner predicted from (and learns from), row-major; not a copy. */
  public float[] features() {
    return features;
  }

  public int featureDim() {
    return featureDim;
  }

  /** Offset of a sample's row in {@link #features()}. */
  public int featureOffset(int sample) {
    return sample * featureDim;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("Predictions[");
    for (int i = 0; i < batchSize(); i++) {
      s.append(i == 0 ? "" : ", ").append(Arrays.toString(topLabels[i]));
    }
    return s.append(']').toString();
  }

  /** The top-k of a sample as event records, best first. */
  public List<LabelScore> labelScores(int sample) {
    List<LabelScore> top = new ArrayList<>(topLabels[sample].length);
    for (int k = 0; k < topLabels[sample].length; k++) {
      top.add(new LabelScore(topLabels[sample][k], topScores[sample][k]));
    }
    return top;
  }

  /** The top-3 of every row of a [batch, labels.length] score matrix (higher is better, ties to the lower column). */
  public static Predictions fromScores(float[] scores, int batchSize, int[] labels, float[] features, int featureDim) {
    int k = Math.min(3, labels.length);
    int[][] topLabels = new int[batchSize][k];
    float[][] topScores = new float[batchSize][k];
    for (int i = 0; i < batchSize; i++) {
      boolean[] taken = new boolean[labels.length];
      for (int rank = 0; rank < k; rank++) {
        int best = -1;
        for (int c = 0; c < labels.length; c++) {
          if (!taken[c] && (best < 0 || scores[i * labels.length + c] > scores[i * labels.length + best])) {
            best = c;
          }
        }
        taken[best] = true;
        topLabels[i][rank] = labels[best];
        topScores[i][rank] = scores[i * labels.length + best];
      }
    }
    return new Predictions(topLabels, topScores, features, featureDim);
  }
}
