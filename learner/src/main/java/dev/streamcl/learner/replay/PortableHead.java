package dev.streamcl.learner.replay;

import dev.streamcl.onnx.GraphBuilder;
import java.util.Arrays;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Standalone ONNX classifiers any ONNX Runtime can run without StreamCL: input {@code features}
 * [batch, d] (float), outputs {@code logits} [batch, C], {@code label} [batch] (int64, the argmax
 * class label) and {@code classLabels} [C] (int64); the labels are also in the metadata
 * property {@code class_labels} (comma-separated, column order).
 */
public final class PortableHead {
  public static final String FEATURES = "features";
  public static final String LOGITS = "logits";
  public static final String LABEL = "label";
  public static final String CLASS_LABELS = "classLabels";
  public static final String LABELS_METADATA = "class_labels";
  /** The internal value {@link #finish} reads the label column from. */
  public static final String COLUMN = "column";

  private PortableHead() {}

  /** logits = x·Wᵀ + b: one Gemm with W and b as initializers. */
  public static byte[] forSoftmaxHead(SoftmaxHead head) {
    return linear("streamcl-softmax-head", head.labels(), head.weightsView().clone(), head.biasView().clone(),
        head.dim(), "Linear softmax head trained by StreamCL; softmax(logits) = class probabilities.");
  }

  /**
   * A linear classifier named {@code graph}: logits = x·Wᵀ + b, W [C, d] row-major in the order of {@code labels}.
   */
  public static byte[] linear(String graph, int[] labels, float[] weights, float[] bias, int dim, String doc) {
    requireClasses(labels.length);
    GraphBuilder g = new GraphBuilder(graph)
        .floatInput(FEATURES, "batch", dim)
        .constant("W", weights, labels.length, dim)
        .constant("b", bias, labels.length)
        .node("Gemm", FEATURES, "W", "b").attr("transB", 1).to(LOGITS);
    return finish(g, labels, doc);
  }

  /**
   * RanPAC (McDonnell et al. 2023): logits = ReLU(x·P)·Wᵀ, the random projection P [d, M] and the read-out W
   * [C, M] as initializers.
   */
  public static byte[] randomProjection(int[] labels, float[] projection, int dim, int projectionDim,
      float[] readout, String doc) {
    requireClasses(labels.length);
    GraphBuilder g = new GraphBuilder("streamcl-ranpac")
        .floatInput(FEATURES, "batch", dim)
        .constant("P", projection, dim, projectionDim)
        .constant("W", readout, labels.length, projectionDim)
        .node("MatMul", FEATURES, "P").to("linear")
        .node("Relu", "linear").to("projected")
        .node("Gemm", "projected", "W").attr("transB", 1).to(LOGITS);
    return finish(g, labels, doc);
  }

  /**
   * Nearest class mean (Janson et al. 2022) on L2-normalised features: x̂ = x / max(‖x‖, 1e-12),
   * logits = 2·x̂·mᵀ − ‖m‖², which is −‖x̂ − m‖² + 1 for a unit x̂, so argmax = nearest mean.
   *
   * @param means class means [C, d] row-major (of normalised features), in the order of {@code labels}
   */
  public static byte[] forNearestClassMean(int[] labels, float[] means, int classes, int dim) {
    requireClasses(classes);
    if (labels.length != classes || means.length != classes * dim) {
      throw new IllegalArgumentException("Need " + classes + " labels and " + classes + " x " + dim + " means, got "
          + labels.length + " and " + means.length);
    }
    GraphBuilder g = new GraphBuilder("streamcl-nearest-class-mean")
        .floatInput(FEATURES, "batch", dim)
        .constant("rowAxis", new long[] {1}, 1)
        .scalar("epsilon", 1e-12f)
        .constant("M", means.clone(), classes, dim)
        .constant("minusMeanNormsSquared", minusSquaredNorms(means, classes, dim), classes)
        .node("ReduceL2", FEATURES, "rowAxis").attr("keepdims", 1).to("norm")
        .node("Max", "norm", "epsilon").to("safeNorm")
        .node("Div", FEATURES, "safeNorm").to("normalized")
        .node("Gemm", "normalized", "M", "minusMeanNormsSquared").attr("transB", 1).attr("alpha", 2f).to(LOGITS);
    return finish(g, labels, "Nearest class mean trained by StreamCL; logits = -squared distance + 1.");
  }

  // argmax → label, the class labels as an output, and the labels in the metadata.
  private static byte[] finish(GraphBuilder g, int[] labels, String doc) {
    return finish(g, labels, doc, h -> h.node("ArgMax", LOGITS).attr("axis", 1).attr("keepdims", 0).to(COLUMN));
  }

  /**
   * Finishes a head whose graph defines {@link #LOGITS} [batch, C]: adds the outputs {@code logits},
   * {@code label} and {@code classLabels}, the metadata and the doc string. {@code labelColumn} adds
   * the nodes that define {@link #COLUMN}, [batch] int64, the logit column of each sample's label
   * (the other heads use argmax of the logits; a head whose own prediction picks its label otherwise,
   * such as KVB's top-k over softmax probabilities, computes it the same way here). {@code labels}
   * are the class labels by logit column.
   */
  public static byte[] finish(GraphBuilder g, int[] labels, String doc, UnaryOperator<GraphBuilder> labelColumn) {
    requireClasses(labels.length);
    g.constant("classLabelValues", Arrays.stream(labels).asLongStream().toArray(), labels.length)
        .node("Identity", "classLabelValues").to(CLASS_LABELS);
    String csv = Arrays.stream(labels).mapToObj(Integer::toString).collect(Collectors.joining(","));
    return labelColumn.apply(g)
        .node("Gather", CLASS_LABELS, COLUMN).attr("axis", 0).to(LABEL)
        .floatOutput(LOGITS, "batch", labels.length)
        .int64Output(LABEL, "batch")
        .int64Output(CLASS_LABELS, labels.length)
        .build(doc + " Class labels by logit column: " + csv, Map.of(LABELS_METADATA, csv));
  }

  private static float[] minusSquaredNorms(float[] means, int classes, int dim) {
    float[] out = new float[classes];
    for (int c = 0; c < classes; c++) {
      double sq = 0;
      for (int j = 0; j < dim; j++) {
        sq += (double) means[c * dim + j] * means[c * dim + j];
      }
      out[c] = (float) -sq;
    }
    return out;
  }

  private static void requireClasses(int classes) {
    if (classes < 1) {
      throw new IllegalArgumentException("A portable head needs at least one class");
    }
  }
}
