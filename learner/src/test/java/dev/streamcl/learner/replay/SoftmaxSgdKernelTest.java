package dev.streamcl.learner.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SoftmaxSgdKernelTest {

  @ParameterizedTest(name = "batch {0}, dim {1}, known classes {2}, labels up to {3}")
  @CsvSource({"1, 3, 0, 2", "7, 5, 2, 4", "32, 16, 3, 3", "64, 784, 4, 10", "5, 2, 1, 1"})
  void onnxStepEqualsJavaReference(int n, int dim, int knownClasses, int labelRange) {
    Random random = new Random(n * 31L + dim);
    SoftmaxHead onnxHead = randomHead(dim, knownClasses, random);
    SoftmaxHead javaHead = onnxHead.copy();
    float[] x = gaussian(n * dim, random);
    int[] labels = random.ints(n, 0, labelRange).toArray();
    float lr = 0.3f;
    try (SoftmaxSgdKernel kernel = new SoftmaxSgdKernel(dim, ComputeDevice.cpu())) {
      for (int step = 0; step < 3; step++) {
        float onnxLoss = kernel.step(onnxHead, x, n, labels, lr);
        float javaLoss = JavaSoftmaxSgd.step(javaHead, x, n, labels, lr);
        assertEquals(javaLoss, onnxLoss, 1e-5f * Math.max(1, javaLoss), "loss of step " + step);
        assertArrayEquals(javaHead.labels(), onnxHead.labels());
        assertArrayEquals(javaHead.weightsView(), onnxHead.weightsView(), 1e-5f, "W after step " + step);
        assertArrayEquals(javaHead.biasView(), onnxHead.biasView(), 1e-5f, "b after step " + step);
      }
      assertPredictionsMatch(kernel.predict(onnxHead, x, n), javaHead, x, n);
    }
  }

  @ParameterizedTest(name = "no class known, batch {0}")
  @CsvSource({"1", "4"})
  void predictsNothingBeforeAnyClass(int n) {
    try (SoftmaxSgdKernel kernel = new SoftmaxSgdKernel(3, ComputeDevice.cpu())) {
      Predictions p = kernel.predict(new SoftmaxHead(3), new float[n * 3], n);
      assertEquals(n, p.batchSize());
      assertFalse(p.hasPrediction(0));
    }
  }

  private static void assertPredictionsMatch(Predictions p, SoftmaxHead head, float[] x, int n) {
    for (int i = 0; i < n; i++) {
      assertEquals(JavaSoftmaxSgd.predict(head, x, i * head.dim()), p.predictedLabel(i), "sample " + i);
      assertEquals(Math.min(3, head.classCount()), p.topLabels(i).length);
    }
  }

  private static SoftmaxHead randomHead(int dim, int classes, Random random) {
    int[] labels = new int[classes];
    for (int c = 0; c < classes; c++) {
      labels[c] = classes - 1 - c; // not in label order, to exercise the label ↔ row mapping
    }
    float[] w = gaussian(classes * dim, random);
    for (int k = 0; k < w.length; k++) {
      w[k] *= 0.1f;
    }
    return SoftmaxHead.of(dim, labels, w, gaussian(classes, random));
  }

  private static float[] gaussian(int count, Random random) {
    float[] values = new float[count];
    for (int k = 0; k < count; k++) {
      values[k] = (float) random.nextGaussian();
    }
    return values;
  }
}
