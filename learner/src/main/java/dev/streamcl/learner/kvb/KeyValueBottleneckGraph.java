package dev.streamcl.learner.kvb;

import dev.streamcl.learner.replay.PortableHead;
import dev.streamcl.onnx.GraphBuilder;
import java.util.stream.IntStream;

/**
 * The KVB graphs (Träuble et al., ICML 2023) for one micro-batch of B samples.
 *
 * <p>Forward: Z = X·W [B, C·dk] → heads [B, C, dk] → per codebook the score ||k||² − 2·z·k, which
 * is the squared distance minus ||z||² (same order, one product fewer) → TopK smallest → key
 * indices [B, C, topk] → value rows r = c·K + key → logits = mean of the fetched values (the paper's
 * non-parametric decoder) → softmax → top-3.
 *
 * <p>Train step (after the forward, in a graph of its own): cross-entropy with label smoothing ε has
 * dL/dlogit = p − target, target = (1−ε)·onehot + ε/classes (the targets come in as an input, zero
 * rows for unlabelled samples, together with per-sample learn weights 1/0). The logit is the mean
 * of C·topk fetched rows, so each fetched row receives (p − target)/(C·topk); the loss is averaged
 * over the labelled samples of the batch; ScatterND with reduction=add accumulates
 * −lr·gradient into the values, rows fetched by several samples included.
 *
 * <p>Projection W and keys are initializers: both are fixed for a kernel (W is a function of the
 * config, keys are frozen), so they are uploaded once, also to a GPU, instead of on every call.
 * Values are an input because they change on every step.
 */
final class KeyValueBottleneckGraph {
  static final int TOP_LABELS = 3;
  static final String FEATURES = PortableHead.FEATURES;
  static final String LOGITS = PortableHead.LOGITS;
  static final String VALUES = "values";
  static final String TARGETS = "targets";
  static final String LEARN_WEIGHTS = "learnWeights";
  static final String PROBABILITIES = "probabilities";
  static final String TOP_SCORES = "topScores";
  static final String TOP_INDICES = "topIndices";
  static final String ROWS = "rows";
  static final String NEW_VALUES = "newValues";

  private KeyValueBottleneckGraph() {}

  static byte[] forward(KvbHyperparameters config, int featureDim, float[] keys) {
    GraphBuilder g = inputs(KeyValueBottleneckModel.LEARNER, config, featureDim, keys, null);
    return outputs(lookup(g, config), config).build();
  }

  /**
   * The SGD step of a minibatch whose lookup {@link #forward} made, in pieces: its value rows and
   * probabilities come in, the values fetched are gathered again, and the step's nodes are those of
   * the paper's minibatch update below.
   */
  static byte[] sgdStep(KvbHyperparameters config) {
    GraphBuilder g = new GraphBuilder(KeyValueBottleneckModel.LEARNER)
        .floatInput(VALUES, config.valueRows(), config.classes())
        .int64Input(ROWS, "batch", config.codebooks(), config.topK())
        .floatInput(PROBABILITIES, "batch", config.classes())
        .floatInput(TARGETS, "batch", config.classes())
        .floatInput(LEARN_WEIGHTS, "batch", 1)
        .constant("codebookAndKAxes", new long[] {1, 2}, 2)
        .node("Gather", VALUES, ROWS).attr("axis", 0).to("fetched");
    return sgdStep(g, config).floatOutput(NEW_VALUES, config.valueRows(), config.classes()).build();
  }

  /**
   * The standalone classifier of {@link KeyValueBottleneckModel#portableModel}: the forward graph's
   * lookup, node for node (so logits and labels are bit-identical with {@link #forward}'s), finished
   * like every portable head. {@code values} is an input whose default is {@code defaultValues}; the
   * label is the first index of the same top-k over softmax probabilities the kernel predicts with,
   * so it is the kernel's label also where two probabilities round to the same float.
   */
  static byte[] portable(KvbHyperparameters config, int featureDim, float[] keys, float[] defaultValues, String doc) {
    GraphBuilder g = lookup(inputs("streamcl-key-value-bottleneck", config, featureDim, keys, defaultValues), config)
        .scalar("firstColumn", 0L);
    int[] labels = IntStream.range(0, config.classes()).toArray();
    return PortableHead.finish(g, labels, doc,
        h -> h.node("Gather", TOP_INDICES, "firstColumn").attr("axis", 1).to(PortableHead.COLUMN));
  }

  // Values are a plain input, or (defaultValues != null) an input with a default initializer.
  private static GraphBuilder inputs(String name, KvbHyperparameters config, int featureDim, float[] keys,
      float[] defaultValues) {
    int c = config.codebooks();
    int k = config.keysPerCodebook();
    int dk = config.keyDim();
    GraphBuilder g = new GraphBuilder(name).floatInput(FEATURES, "batch", featureDim);
    g = defaultValues == null ? g.floatInput(VALUES, config.valueRows(), config.classes())
        : g.floatInputWithDefault(VALUES, defaultValues, config.valueRows(), config.classes());
    return g
        .constant("projection", RandomProjection.matrix(config, featureDim), featureDim, (long) c * dk)
        .constant("headShape", new long[] {-1, c, dk}, 3)
        .constant("minusTwoKeysT", minusTwoKeysTransposed(keys, c, k, dk), c, dk, k)
        .constant("keyNorms", keyNorms(keys, c, k, dk), c, 1, k)
        .constant("topK", new long[] {config.topK()}, 1)
        .constant("rowOffsets", rowOffsets(c, k), 1, c, 1)
        .constant("codebookAndKAxes", new long[] {1, 2}, 2)
        .constant("topLabels", new long[] {Math.min(TOP_LABELS, config.classes())}, 1);
  }

  // Z = X·W, scores ||k||² − 2·z·k per codebook, top-k smallest, rows c·K + key, mean of values.
  private static GraphBuilder lookup(GraphBuilder g, KvbHyperparameters config) {
    return g.node("MatMul", FEATURES, "projection").to("projected")
        .node("Reshape", "projected", "headShape").to("heads")
        .node("Transpose", "heads").ints("perm", 1, 0, 2).to("headsByCodebook")
        .node("MatMul", "headsByCodebook", "minusTwoKeysT").to("crossTerms")
        .node("Add", "crossTerms", "keyNorms").to("scores")
        .node("TopK", "scores", "topK").attr("axis", -1).attr("largest", 0).attr("sorted", 1)
        .to("nearestScores", "nearestKeys")
        .node("Transpose", "nearestKeys").ints("perm", 1, 0, 2).to("keysBySample")
        .node("Add", "keysBySample", "rowOffsets").to(ROWS)
        .node("Gather", VALUES, ROWS).attr("axis", 0).to("fetched")
        .node("ReduceMean", "fetched", "codebookAndKAxes").attr("keepdims", 0).to(LOGITS)
        .node("Softmax", LOGITS).attr("axis", -1).to(PROBABILITIES)
        .node("TopK", PROBABILITIES, "topLabels").attr("axis", -1).attr("largest", 1).attr("sorted", 1)
        .to(TOP_SCORES, TOP_INDICES);
  }

  // values += −lr/(C·topk·n) · Σ_i w_i·(p_i − target_i) over the rows sample i fetched.
  private static GraphBuilder sgdStep(GraphBuilder g, KvbHyperparameters config) {
    float minusStep = (float) (-config.learningRate() / ((double) config.codebooks() * config.topK()));
    return g.scalar("minusStep", minusStep)
        .scalar("one", 1f)
        .constant("rowShape", new long[] {-1, config.classes()}, 2)
        .constant("indexShape", new long[] {-1, 1}, 2)
        .node("Sub", PROBABILITIES, TARGETS).to("residual")
        .node("Mul", "residual", LEARN_WEIGHTS).to("labelledResidual")
        .node("ReduceSum", LEARN_WEIGHTS).attr("keepdims", 0).to("labelledCount")
        .node("Max", "labelledCount", "one").to("divisor")
        .node("Div", "minusStep", "divisor").to("scale")
        .node("Mul", "labelledResidual", "scale").to("sampleUpdate")
        .node("Unsqueeze", "sampleUpdate", "codebookAndKAxes").to("sampleUpdate4d")
        .node("Shape", "fetched").to("fetchedShape")
        .node("Expand", "sampleUpdate4d", "fetchedShape").to("rowUpdates4d")
        .node("Reshape", "rowUpdates4d", "rowShape").to("rowUpdates")
        .node("Reshape", ROWS, "indexShape").to("scatterIndices")
        .node("ScatterND", VALUES, "scatterIndices", "rowUpdates").attr("reduction", "add").to(NEW_VALUES);
  }

  private static GraphBuilder outputs(GraphBuilder g, KvbHyperparameters config) {
    int top = Math.min(TOP_LABELS, config.classes());
    return g.floatOutput(PROBABILITIES, "batch", config.classes())
        .floatOutput(TOP_SCORES, "batch", top)
        .int64Output(TOP_INDICES, "batch", top)
        .int64Output(ROWS, "batch", config.codebooks(), config.topK());
  }

  // −2·keysᵀ per codebook: [C, dk, K], so one batched MatMul gives −2·z·k.
  private static float[] minusTwoKeysTransposed(float[] keys, int c, int k, int dk) {
    float[] out = new float[keys.length];
    for (int cb = 0; cb < c; cb++) {
      for (int key = 0; key < k; key++) {
        for (int j = 0; j < dk; j++) {
          out[(cb * dk + j) * k + key] = -2f * keys[(cb * k + key) * dk + j];
        }
      }
    }
    return out;
  }

  private static float[] keyNorms(float[] keys, int c, int k, int dk) {
    float[] norms = new float[c * k];
    for (int row = 0; row < c * k; row++) {
      double sum = 0;
      for (int j = 0; j < dk; j++) {
        sum += (double) keys[row * dk + j] * keys[row * dk + j];
      }
      norms[row] = (float) sum;
    }
    return norms;
  }

  private static long[] rowOffsets(int c, int k) {
    long[] offsets = new long[c];
    for (int cb = 0; cb < c; cb++) {
      offsets[cb] = (long) cb * k;
    }
    return offsets;
  }
}
