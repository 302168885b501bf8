package dev.streamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.learner.Learners;
import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GpuCheckTest {
  /** This machine has no CUDA: gpu-check stops before running any kernel, with the message saying what to do. */
  @Test
  void withoutCudaItFailsAtOnceSayingWhatIsWrongAndWhatToDo() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = GpuCheck.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    assertEquals(GpuCheck.DEVICE_UNAVAILABLE, cli.execute("--device", "cuda:0"));

    String message = err.toString().strip();
    System.out.println("gpu-check on this machine: " + message);
    assertEquals(1, message.lines().count(), message);
    assertTrue(message.startsWith("ONNX Runtime cannot use cuda:0: "), message);
    assertTrue(message.matches(".*CUDA \\d+ and cuDNN \\d+.*"), message);
    assertTrue(message.contains("--device cpu") && message.contains("--cpu-fallback"), message);
    assertEquals("", out.toString(), "no kernel ran");
  }

  @Test
  void aCpuDeviceIsRefusedAsNothingToCompare() {
    StringWriter err = new StringWriter();
    CommandLine cli = GpuCheck.commandLine();
    cli.setErr(new PrintWriter(err, true));
    assertEquals(2, cli.execute("--device", "cpu")); // picocli's code for a usage error
    assertTrue(err.toString().contains("give --device cuda:N"), err.toString());
  }

  /**
   * The harness without a GPU: every kernel runs from the same state on both sides, so the CPU against
   * itself (deterministic compute) agrees exactly, and there is a row for the encoder and two per learner.
   */
  @Test
  void everyKernelRunsAndRepeatsExactlyOnTheCpu() {
    GpuCheck check = new GpuCheck();
    check.batch = 20;
    check.runs = 1;
    check.tolerance = 0;
    check.seed = 3;
    StringWriter out = new StringWriter();

    assertTrue(check.check(ComputeDevice.cpu(), ComputeDevice.cpu(), new PrintWriter(out, true)), out.toString());

    String[] rows = out.toString().lines().skip(2).toArray(String[]::new);
    assertEquals(1 + 2 * Learners.names().size() + 1, rows.length, out.toString());
    assertTrue(rows[0].startsWith("encoder pixels:28x28"), rows[0]);
    for (String learner : Learners.names()) {
      assertTrue(out.toString().contains("\n" + learner + " learn "), learner);
      assertTrue(out.toString().contains("\n" + learner + " serve "), learner);
    }
  }

  @Test
  void tensorsCompareByTheirLargestDifferenceOverTheirLargestValue() {
    OutputAgreement agreement =
        OutputAgreement.ofTensor("y", new float[] {1, -2, 0.5f}, new float[] {1, -2.001f, 0.5f});
    assertEquals(0.001 / 2, agreement.relativeError(), 1e-6);
    assertEquals(Double.POSITIVE_INFINITY,
        OutputAgreement.ofTensors(Map.of("y", new float[] {1}), Map.of("z", new float[] {1})).relativeError());
  }

  @Test
  void aNearTieAtTheLastPlaceCostsItsScoreDifferenceOnly() {
    Predictions cpu = top(new int[] {1, 2, 3}, new float[] {0.5f, 0.3f, 0.2001f});
    Predictions cuda = top(new int[] {1, 2, 4}, new float[] {0.5f, 0.3f, 0.2002f});
    OutputAgreement agreement = OutputAgreement.ofPredictions(cpu, cuda);
    // label 4 entered CUDA's top-3 scoring 0.2002, where the CPU's third scored 0.2001: 1e-4 of the top 0.5
    assertEquals(1e-4 / 0.5, agreement.relativeError(), 1e-6);
    assertEquals(1, agreement.reorderedSamples());
  }

  @Test
  void swappedLabelsWithDifferentScoresAreALargeError() {
    Predictions cpu = top(new int[] {1, 2, 3}, new float[] {0.5f, 0.3f, 0.2f});
    Predictions cuda = top(new int[] {2, 1, 3}, new float[] {0.5f, 0.3f, 0.2f});
    assertEquals(0.2 / 0.5, OutputAgreement.ofPredictions(cpu, cuda).relativeError(), 1e-6);
  }

  private static Predictions top(int[] labels, float[] scores) {
    return new Predictions(new int[][] {labels}, new float[][] {scores}, new float[1], 1);
  }
}
