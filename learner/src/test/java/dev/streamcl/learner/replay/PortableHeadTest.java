package dev.streamcl.learner.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.nmc.ClassMeanState;
import dev.streamcl.learner.nmc.NearestClassMean;
import dev.streamcl.onnx.ComputeDevice;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Portable models run in a bare {@link OrtSession}: only ai.onnxruntime on the prediction path. */
class PortableHeadTest {
  private static final int DIM = 24;
  private static final int SAMPLES = 1000;
  private static final int[] LABELS = {7, 3, 9, 1, 5};

  @Test
  void softmaxHeadRunsInPlainOnnxRuntime() throws Exception {
    Random random = new Random(1);
    float[][] centres = centres(random);
    SoftmaxHead head = new SoftmaxHead(DIM);
    int[] labels = new int[64];
    try (SoftmaxSgdKernel kernel = new SoftmaxSgdKernel(DIM, ComputeDevice.cpu())) {
      for (int step = 0; step < 100; step++) {
        kernel.step(head, samples(centres, 64, labels, random), 64, labels, 0.1f);
      }
      float[] x = samples(centres, SAMPLES, new int[SAMPLES], random);
      assertSameArgmax(kernel.predict(head, x, SAMPLES), PortableHead.forSoftmaxHead(head), x, head.labels());
    }
  }

  @Test
  void nearestClassMeanRunsInPlainOnnxRuntimeOnRawFeatures() throws Exception {
    Random random = new Random(2);
    float[][] centres = centres(random);
    int[] labels = new int[500];
    float[] train = samples(centres, 500, labels, random);
    try (NearestClassMean nmc = new NearestClassMean(DIM, ComputeDevice.cpu())) {
      ClassMeanState state = new ClassMeanState(DIM);
      Predictions normalized = nmc.predictThenNormalize(state, train, 500, labels);
      for (int i = 0; i < 500; i++) {
        state.add(normalized.features(), normalized.featureOffset(i), labels[i]);
      }
      float[] x = samples(centres, SAMPLES, new int[SAMPLES], random);
      byte[] model = PortableHead.forNearestClassMean(state.labels(), means(state), state.classCount(), DIM);
      assertSameArgmax(nmc.predict(state, x, SAMPLES), model, x, state.labels());
    }
  }

  private static void assertSameArgmax(Predictions expected, byte[] model, float[] x, int[] classLabels)
      throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {SAMPLES, DIM});
        OrtSession.Result result = session.run(Map.of("features", input))) {
      float[][] logits = (float[][]) result.get("logits").get().getValue();
      long[] label = (long[]) result.get("label").get().getValue();
      long[] columns = (long[]) result.get("classLabels").get().getValue();
      assertEquals(join(classLabels), session.getMetadata().getCustomMetadataValue("class_labels").orElseThrow());
      assertArrayEquals(java.util.Arrays.stream(classLabels).asLongStream().toArray(), columns);
      int disagreements = 0;
      for (int i = 0; i < SAMPLES; i++) {
        assertEquals(label[i], columns[argmax(logits[i])]);
        disagreements += label[i] == expected.predictedLabel(i) ? 0 : 1;
      }
      assertEquals(0, disagreements, "samples whose portable argmax differs from the learner's");
    }
  }

  private static float[] means(ClassMeanState state) {
    float[] means = new float[state.classCount() * DIM];
    for (int c = 0; c < state.classCount(); c++) {
      for (int k = 0; k < DIM; k++) {
        means[c * DIM + k] = (float) (state.sum(c, k) / state.count(c));
      }
    }
    return means;
  }

  private static float[][] centres(Random random) {
    float[][] centres = new float[LABELS.length][DIM];
    for (float[] centre : centres) {
      for (int k = 0; k < DIM; k++) {
        centre[k] = (float) random.nextGaussian();
      }
    }
    return centres;
  }

  // Overlapping Gaussian clusters (σ = 1 around unit-variance centres), so the task is not trivial.
  private static float[] samples(float[][] centres, int n, int[] labels, Random random) {
    float[] x = new float[n * DIM];
    for (int i = 0; i < n; i++) {
      int c = random.nextInt(centres.length);
      labels[i] = LABELS[c];
      for (int k = 0; k < DIM; k++) {
        x[i * DIM + k] = centres[c][k] + (float) random.nextGaussian();
      }
    }
    return x;
  }

  private static int argmax(float[] values) {
    int best = 0;
    for (int k = 1; k < values.length; k++) {
      best = values[k] > values[best] ? k : best;
    }
    return best;
  }

  private static String join(int[] values) {
    return java.util.Arrays.stream(values).mapToObj(Integer::toString)
        .collect(java.util.stream.Collectors.joining(","));
  }
}
