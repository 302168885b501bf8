package dev.streamcl.learner.replay;

import dev.streamcl.onnx.GraphBuilder;

/**
 * ONNX graphs of a linear softmax head (multinomial logistic regression).
 *
 * <p>Step: inputs X [B,d], one-hot Y [B,C], W [C,d], b [C], lr []. logits = X·Wᵀ + b,
 * p = softmax(logits), G = (p − Y)/B is the gradient of the mean cross-entropy with respect to the
 * logits (Bishop, "Pattern Recognition and Machine Learning", 2006, eq. 4.109), so one plain SGD
 * step is W' = W − lr·Gᵀ·X, b' = b − lr·Σ_batch G. Outputs W', b', the mean cross-entropy
 * −(1/B)·Σ Y⊙log_softmax(logits) (before the step) and the logits.
 *
 * <p>Predict: inputs X, W, b; outputs the top min(3, C) softmax probabilities and class indices.
 */
final class SoftmaxSgdGraph {
  static final int TOP_K = 3;
  static final String FEATURES = "features";
  static final String TARGETS = "targets";
  static final String WEIGHTS = "weights";
  static final String BIAS = "bias";
  static final String LEARNING_RATE = "learningRate";
  static final String NEW_WEIGHTS = "newWeights";
  static final String NEW_BIAS = "newBias";
  static final String LOSS = "loss";
  static final String LOGITS = "logits";
  static final String TOP_SCORES = "topScores";
  static final String TOP_INDICES = "topIndices";

  private SoftmaxSgdGraph() {}

  static byte[] step(int dim) {
    GraphBuilder g = new GraphBuilder("softmax-sgd-step")
        .floatInput(FEATURES, "batch", dim)
        .floatInput(TARGETS, "batch", "classes")
        .floatInput(WEIGHTS, "classes", dim)
        .floatInput(BIAS, "classes")
        .floatInput(LEARNING_RATE)
        .constant("batchAxis", new long[] {0}, 1);
    logits(g);
    gradient(g);
    update(g);
    return loss(g)
        .floatOutput(NEW_WEIGHTS, "classes", dim)
        .floatOutput(NEW_BIAS, "classes")
        .floatOutput(LOSS)
        .floatOutput(LOGITS, "batch", "classes")
        .build();
  }

  static byte[] predict(int dim) {
    GraphBuilder g = new GraphBuilder("softmax-predict")
        .floatInput(FEATURES, "batch", dim)
        .floatInput(WEIGHTS, "classes", dim)
        .floatInput(BIAS, "classes")
        .constant("topK", new long[] {TOP_K}, 1);
    return logits(g)
        .node("Softmax", LOGITS).attr("axis", -1).to("probabilities")
        .node("Shape", LOGITS).attr("start", 1).to("classCount")
        .node("Min", "classCount", "topK").to("k")
        .node("TopK", "probabilities", "k").attr("axis", -1).attr("largest", 1).attr("sorted", 1)
        .to(TOP_SCORES, TOP_INDICES)
        .floatOutput(TOP_SCORES, "batch", "k")
        .int64Output(TOP_INDICES, "batch", "k")
        .build();
  }

  private static GraphBuilder logits(GraphBuilder g) {
    return g.node("Gemm", FEATURES, WEIGHTS, BIAS).attr("transB", 1).to(LOGITS);
  }

  // G = (softmax(logits) − Y) / B, with B read from X's shape.
  private static void gradient(GraphBuilder g) {
    g.node("Softmax", LOGITS).attr("axis", -1).to("probabilities")
        .node("Sub", "probabilities", TARGETS).to("residual")
        .node("Shape", FEATURES).attr("start", 0).attr("end", 1).to("batchShape")
        .node("Cast", "batchShape").attr("to", 1L).to("batchSizeVector")
        .node("Squeeze", "batchSizeVector").to("batchSize")
        .node("Div", "residual", "batchSize").to("logitGradient");
  }

  // W' = W − lr·Gᵀ·X, b' = b − lr·Σ_batch G.
  private static void update(GraphBuilder g) {
    g.node("Gemm", "logitGradient", FEATURES).attr("transA", 1).to("weightGradient")
        .node("ReduceSum", "logitGradient", "batchAxis").attr("keepdims", 0).to("biasGradient")
        .node("Mul", "weightGradient", LEARNING_RATE).to("weightStep")
        .node("Mul", "biasGradient", LEARNING_RATE).to("biasStep")
        .node("Sub", WEIGHTS, "weightStep").to(NEW_WEIGHTS)
        .node("Sub", BIAS, "biasStep").to(NEW_BIAS);
  }

  // loss = −Σ Y⊙log_softmax(logits) / B.
  private static GraphBuilder loss(GraphBuilder g) {
    return g.node("LogSoftmax", LOGITS).attr("axis", -1).to("logProbabilities")
        .node("Mul", TARGETS, "logProbabilities").to("targetLogProbabilities")
        .node("ReduceSum", "targetLogProbabilities").attr("keepdims", 0).to("totalLogLikelihood")
        .node("Div", "totalLogLikelihood", "batchSize").to("meanLogLikelihood")
        .node("Neg", "meanLogLikelihood").to(LOSS);
  }
}
