package dev.streamcl.learner.nmc;

import dev.streamcl.onnx.GraphBuilder;

/**
 * The NMC test-then-train graph for one micro-batch (class means as in Janson et al. 2022).
 *
 * <p>Inputs: raw features X [B,d], one-hot labels Y [B,C] (zero row = unlabelled), class sums S
 * [C,d] and counts N [1,C] of the state before the batch. With x_i the L2-normalised rows, L the
 * strictly lower triangular ones [B,B] and G = X Xᵀ, sample i sees for class c the prefix sum
 * P_i[c] = Σ_{j<i, y_j=c} x_j and count n = N_c + (L·Y)[i,c], hence the mean m = (S_c + P_i[c]) / n.
 * The squared distance ||x_i||² − 2 x_i·m + ||m||² is expanded into matrix products:
 * x_i·P_i[c] = ((G⊙L)·Y)[i,c], S_c·P_i[c] = (L·(Y⊙(X Sᵀ)))[i,c], and ||P_i[c]||² = (L·T)[i,c]
 * with T[j,c] = Y[j,c]·(2·((G⊙L)·Y)[j,c] + ||x_j||²) (each pair j<k counted twice, each j once).
 *
 * <p>Outputs: the normalised X, scores = −distance² [B,C] (lowest float where n = 0) and the top
 * min(3, C) scores and class indices.
 */
final class NearestClassMeanGraph {
  static final int TOP_K = 3;
  static final float UNKNOWN_CLASS_SCORE = -Float.MAX_VALUE;
  static final String FEATURES = "features";
  static final String LABELS = "labels";
  static final String SUMS = "classSums";
  static final String COUNTS = "classCounts";
  static final String NORMALIZED = "normalized";
  static final String SCORES = "scores";
  static final String TOP_SCORES = "topScores";
  static final String TOP_INDICES = "topIndices";

  private NearestClassMeanGraph() {}

  static byte[] build(int dim) {
    GraphBuilder g = new GraphBuilder("nmc-test-then-train")
        .floatInput(FEATURES, "batch", dim)
        .floatInput(LABELS, "batch", "classes")
        .floatInput(SUMS, "classes", dim)
        .floatInput(COUNTS, 1, "classes")
        .constant("rowAxis", new long[] {1}, 1)
        .constant("topK", new long[] {TOP_K}, 1)
        .scalar("belowDiagonal", -1L)
        .scalar("epsilon", 1e-12f)
        .scalar("one", 1f)
        .scalar("half", 0.5f)
        .scalar("two", 2f)
        .scalar("unknownScore", UNKNOWN_CLASS_SCORE);
    normalize(g);
    prefixTerms(g);
    scores(g);
    return topK(g)
        .floatOutput(NORMALIZED, "batch", dim)
        .floatOutput(SCORES, "batch", "classes")
        .floatOutput(TOP_SCORES, "batch", "k")
        .int64Output(TOP_INDICES, "batch", "k")
        .build();
  }

  // x / max(||x||, 1e-12), as torch.nn.functional.normalize; sq = ||x||² (1, or 0 for a zero row).
  private static void normalize(GraphBuilder g) {
    g.node("ReduceL2", FEATURES, "rowAxis").attr("keepdims", 1).to("norm")
        .node("Max", "norm", "epsilon").to("safeNorm")
        .node("Div", FEATURES, "safeNorm").to(NORMALIZED)
        .node("Mul", NORMALIZED, NORMALIZED).to("squares")
        .node("ReduceSum", "squares", "rowAxis").attr("keepdims", 1).to("sq");
  }

  // Q = L·Y, A = (G⊙L)·Y, XS = X Sᵀ, SP = L·(Y⊙XS), PP = L·T.
  private static void prefixTerms(GraphBuilder g) {
    g.node("Gemm", NORMALIZED, NORMALIZED).attr("transB", 1).to("gram")
        .node("Shape", "gram").to("gramShape")
        .node("ConstantOfShape", "gramShape").tensor("value", new float[] {1f}, 1).to("ones")
        .node("Trilu", "ones", "belowDiagonal").attr("upper", 0).to("lower")
        .node("Mul", "gram", "lower").to("gramBelow")
        .node("MatMul", "lower", LABELS).to("prefixCounts")
        .node("MatMul", "gramBelow", LABELS).to("dotPrefix")
        .node("Gemm", NORMALIZED, SUMS).attr("transB", 1).to("dotSums")
        .node("Mul", LABELS, "dotSums").to("labelledDotSums")
        .node("MatMul", "lower", "labelledDotSums").to("sumsDotPrefix")
        .node("Mul", "dotPrefix", "two").to("twiceDotPrefix")
        .node("Add", "twiceDotPrefix", "sq").to("pairTerms")
        .node("Mul", LABELS, "pairTerms").to("labelledPairTerms")
        .node("MatMul", "lower", "labelledPairTerms").to("prefixSquared");
  }

  // score = −(sq − 2·(XS + A)/n + (||S||² + 2·SP + PP)/n²), or the lowest float where n = 0.
  private static void scores(GraphBuilder g) {
    g.node("Mul", SUMS, SUMS).to("sumSquares")
        .node("ReduceSum", "sumSquares", "rowAxis").attr("keepdims", 0).to("sumsSquared")
        .node("Add", COUNTS, "prefixCounts").to("n")
        .node("Max", "n", "one").to("safeN")
        .node("Add", "dotSums", "dotPrefix").to("dotTotal")
        .node("Div", "dotTotal", "safeN").to("dotMean")
        .node("Mul", "sumsDotPrefix", "two").to("twiceSumsDotPrefix")
        .node("Add", "sumsSquared", "twiceSumsDotPrefix").to("partialTotalSquared")
        .node("Add", "partialTotalSquared", "prefixSquared").to("totalSquared")
        .node("Mul", "safeN", "safeN").to("nSquared")
        .node("Div", "totalSquared", "nSquared").to("meanSquared")
        .node("Mul", "dotMean", "two").to("twiceDotMean")
        .node("Sub", "sq", "twiceDotMean").to("partialDistance")
        .node("Add", "partialDistance", "meanSquared").to("distance")
        .node("Neg", "distance").to("negDistance")
        .node("Greater", "n", "half").to("known")
        .node("Where", "known", "negDistance", "unknownScore").to(SCORES);
  }

  private static GraphBuilder topK(GraphBuilder g) {
    return g.node("Shape", SCORES).attr("start", 1).to("classCount")
        .node("Min", "classCount", "topK").to("k")
        .node("TopK", SCORES, "k").attr("axis", -1).attr("largest", 1).attr("sorted", 1)
        .to(TOP_SCORES, TOP_INDICES);
  }
}
