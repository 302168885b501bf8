package dev.streamcl.bench;

import dev.streamcl.learner.Predictions;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * How far a kernel's outputs on one device are from its outputs on another: per output tensor the
 * relative error max|b − a| / max|a| (a = the reference, the CPU), the largest over all outputs, and
 * which output it came from.
 *
 * <p>Top-k predictions are compared by label: the score each device gave a label, and where a label is in
 * one device's top-k only (a near tie at the k-th place, or two places swapped), its score against the
 * other device's k-th score. So a tie that float rounding breaks differently costs only the score
 * difference, while a label that really scored differently shows as a large error.
 */
record OutputAgreement(double relativeError, String worstOutput, int reorderedSamples) {
  private static final double TINY = 1e-30;

  static OutputAgreement none() {
    return new OutputAgreement(0, "-", 0);
  }

  /** The worse of the two, with both counts of reordered samples. */
  OutputAgreement and(OutputAgreement other) {
    OutputAgreement worse = other.relativeError > relativeError ? other : this;
    return new OutputAgreement(worse.relativeError, worse.worstOutput, reorderedSamples + other.reorderedSamples);
  }

  static OutputAgreement ofTensor(String name, float[] reference, float[] other) {
    if (reference.length != other.length) {
      return new OutputAgreement(Double.POSITIVE_INFINITY, name + " (shape differs)", 0);
    }
    double scale = 0;
    double difference = 0;
    for (int i = 0; i < reference.length; i++) {
      if (Float.isNaN(reference[i]) != Float.isNaN(other[i])) {
        return new OutputAgreement(Double.POSITIVE_INFINITY, name + " (NaN on one device)", 0);
      }
      scale = Math.max(scale, Math.abs(reference[i]));
      difference = Math.max(difference, Math.abs((double) other[i] - reference[i]));
    }
    return new OutputAgreement(difference / Math.max(scale, TINY), name, 0);
  }

  static OutputAgreement ofTensors(Map<String, float[]> reference, Map<String, float[]> other) {
    OutputAgreement agreement = none();
    for (Map.Entry<String, float[]> output : reference.entrySet()) {
      float[] values = other.get(output.getKey());
      agreement = agreement.and(values == null
          ? new OutputAgreement(Double.POSITIVE_INFINITY, output.getKey() + " (missing)", 0)
          : ofTensor(output.getKey(), output.getValue(), values));
    }
    return agreement;
  }

  static OutputAgreement ofPredictions(Predictions reference, Predictions other) {
    if (reference.batchSize() != other.batchSize()) {
      return new OutputAgreement(Double.POSITIVE_INFINITY, "predictions (batch size differs)", 0);
    }
    double scale = 0;
    double difference = 0;
    int reordered = 0;
    for (int i = 0; i < reference.batchSize(); i++) {
      float[] scores = reference.topScores(i);
      if (scores.length != other.topScores(i).length) {
        return new OutputAgreement(Double.POSITIVE_INFINITY, "top labels (count differs)", 0);
      }
      for (float score : scores) {
        scale = Math.max(scale, Math.abs(score));
      }
      difference = Math.max(difference, labelScoreDifference(reference, other, i));
      reordered += Arrays.equals(reference.topLabels(i), other.topLabels(i)) ? 0 : 1;
    }
    return new OutputAgreement(difference / Math.max(scale, TINY), "top-k scores", reordered);
  }

  // The largest score difference over the labels either device ranked in its top-k for sample i.
  private static double labelScoreDifference(Predictions a, Predictions b, int i) {
    Map<Integer, Float> scoresA = byLabel(a, i);
    Map<Integer, Float> scoresB = byLabel(b, i);
    double lastA = scoresA.values().stream().mapToDouble(Float::doubleValue).min().orElse(0);
    double lastB = scoresB.values().stream().mapToDouble(Float::doubleValue).min().orElse(0);
    double difference = 0;
    for (Map.Entry<Integer, Float> label : scoresA.entrySet()) {
      Float inB = scoresB.get(label.getKey());
      difference = Math.max(difference, inB == null
          ? Math.max(0, label.getValue() - lastB) // B ranked it below its k-th: it must not beat that by more
          : Math.abs(label.getValue() - inB));
    }
    for (Map.Entry<Integer, Float> label : scoresB.entrySet()) {
      if (!scoresA.containsKey(label.getKey())) {
        difference = Math.max(difference, Math.max(0, label.getValue() - lastA));
      }
    }
    return difference;
  }

  private static Map<Integer, Float> byLabel(Predictions predictions, int sample) {
    int[] labels = predictions.topLabels(sample);
    float[] scores = predictions.topScores(sample);
    Map<Integer, Float> byLabel = new HashMap<>();
    for (int k = 0; k < labels.length; k++) {
      byLabel.put(labels[k], scores[k]);
    }
    return byLabel;
  }
}
