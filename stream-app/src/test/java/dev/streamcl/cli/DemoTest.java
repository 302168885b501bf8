package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelDeltas;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.PublishProgress;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckKernel;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.report.HeadlessChromium;
import dev.streamcl.report.ReportData;
import dev.streamcl.report.SampleReports;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's main command, in full: the demo's NMC accuracy on the 10,000 test images, and its
 * whole accuracy matrix in the report, must equal an independent plain-Java nearest-class-mean over
 * the same pixels (no ONNX, no Kafka, no Flink); the report must show the no-replay head forgetting.
 */
class DemoTest {
  private static final double TOLERANCE = 0.003;

  @TempDir Path reportDir;
  @TempDir Path browserDir;

  @Test
  void demoAccuracyEqualsAPlainJavaNearestClassMean() throws Exception {
    FashionMnist data = FashionMnist.atDefaultLocation();
    LearnerJobConfig learner = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu()))
        .learners("nmc", "kvb", "er", "fetril", "finetune").build();
    Demo.Result result = Demo.run(new Demo.Settings(null, new Properties(), "streamcl", "split-fmnist", data.dir(), 42,
        "split-fmnist", 0, 2, learner, false, false, 5, reportDir, null), System.out);

    double reference = referenceAccuracy(data.train(), data.test());
    Demo.LearnerResult nmc = result.learner(NearestClassMeanModel.LEARNER);
    System.out.printf("demo nmc accuracy %.4f, plain-Java reference %.4f, %d versions, %.0f samples/s%n",
        nmc.accuracy(), reference, nmc.modelVersions(), result.samplesPerSecond());
    assertEquals(Map.of("streamcl.key-init", 10_000), learner.warmupTopics(), "KVB's keys from unlabelled samples");
    assertEquals(60_000 + 10_000, result.learnedSamples(), "the training stream and KVB's key-init samples");
    assertEquals(60_000 / learner.publishPolicy().everyLabelled(), nmc.modelVersions());
    assertEquals(10_000, nmc.answered());
    assertEquals(10_000, nmc.answeredByFinalVersion(), "every request after the last version must use it");
    assertEquals(reference, nmc.accuracy(), TOLERANCE);

    // KVB publishes one chunked snapshot, then deltas and periodic snapshots: serving must assemble
    // and apply them all to answer every request with the newest version.
    Demo.LearnerResult kvb = result.learner(KeyValueBottleneckModel.LEARNER);
    System.out.printf("demo kvb accuracy %.4f, %d versions%n", kvb.accuracy(), kvb.modelVersions());
    assertEquals(10_000, kvb.answered());
    assertEquals(10_000, kvb.answeredByFinalVersion());

    // Replay heads, served through the portable ONNX model their events carry. ReplayReferenceTest
    // checks the same ER learner against a plain-Java run; here the whole pipeline must keep it.
    Demo.LearnerResult er = result.learner("er");
    Demo.LearnerResult finetune = result.learner("finetune");
    System.out.printf("demo er accuracy %.4f, fetril %.4f, finetune %.4f%n", er.accuracy(),
        result.learner("fetril").accuracy(), finetune.accuracy());
    assertEquals(10_000, er.answeredByFinalVersion());
    assertTrue(er.accuracy() >= 0.70, "experience replay (reservoir 500) should keep old classes");
    assertTrue(finetune.accuracy() <= 0.25, "fine-tuning without replay should forget catastrophically");

    assertReportMatchesReferenceMatrix(result, referenceMatrix(data.train(), data.test()));
    assertDriftFoundAfterEveryTaskBoundary(result.report());
    assertOldClassMeansNeverChange(result.published());
    assertNewestKvbPortableModelPredictsLikeTheLearner(result.published(), data.test());
    assertReportRendersInChromium(result, browserDir);
  }

  /**
   * NMC's accuracy on old tasks drops only through confusion with classes that arrive later: the
   * sums of a task's classes in the version trained through it equal those in the final version.
   */
  /**
   * KVB as an outside client sees it: the newest snapshot's portable ONNX model in a bare ONNX Runtime
   * session, with the values of the newest version (every later delta applied) in place of the
   * snapshot's, predicts 1,000 test images exactly as the learner's own kernel at that version.
   */
  private static void assertNewestKvbPortableModelPredictsLikeTheLearner(RecordedRun published,
      FashionMnist.Split test) throws Exception {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    List<ModelUpdate> chunks = new ArrayList<>();
    ModelUpdate newest = null;
    ModelUpdate newestSnapshot = null;
    for (byte[] record : published.updates("split-fmnist/" + KeyValueBottleneckModel.LEARNER)) {
      ModelUpdate chunk = codec.decode(record);
      chunks.add(chunk);
      if (chunks.size() == chunk.getChunkCount()) {
        ModelUpdate whole = ModelUpdateChunks.assemble(chunks);
        chunks.clear();
        newestSnapshot = whole.getKind() == UpdateKind.SNAPSHOT ? whole : newestSnapshot;
        newest = whole.getKind() == UpdateKind.SNAPSHOT ? whole : ModelDeltas.apply(newest, whole);
      }
    }
    int n = 1000;
    float[] features = new float[n * FashionMnist.PIXELS];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < FashionMnist.PIXELS; p++) {
        features[i * FashionMnist.PIXELS + p] = (test.images()[i][p] & 0xFF) / 255f;
      }
    }
    KeyValueBottleneck state = KeyValueBottleneckModel.fromSnapshot(newest);
    Predictions learner;
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      learner = kernel.predict(state, features, n);
    }
    byte[] portable = new byte[newestSnapshot.getPortableModel().remaining()];
    newestSnapshot.getPortableModel().duplicate().get(portable);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    long[] labels;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OnnxTensor values = OnnxTensor.createTensor(env, FloatBuffer.wrap(state.values()),
            new long[] {state.config().valueRows(), state.config().classes()})) {
      options.addInitializer("values", values);
      try (OrtSession session = env.createSession(portable, options);
          OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(features), new long[] {n, FashionMnist.PIXELS});
          OrtSession.Result result = session.run(Map.of("features", x))) {
        labels = (long[]) result.get("label").orElseThrow().getValue();
      }
    }
    int disagreements = 0;
    for (int i = 0; i < n; i++) {
      disagreements += labels[i] == learner.predictedLabel(i) ? 0 : 1;
    }
    System.out.printf("demo kvb: portable model of snapshot v%d with the values of v%d in a bare OrtSession vs the "
        + "learner: %d samples, %d disagreements%n", newestSnapshot.getModelVersion(), newest.getModelVersion(), n,
        disagreements);
    assertEquals(0, disagreements);
  }

  private static void assertOldClassMeansNeverChange(RecordedRun published) {
    String model = "split-fmnist/" + NearestClassMeanModel.LEARNER;
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    List<ModelUpdate> versions = published.updates(model).stream().map(codec::decode).toList();
    NearestClassMeanModel last = NearestClassMeanModel.fromUpdate(versions.get(versions.size() - 1));
    for (int task = 0; task < SplitFashionMnist.TASKS - 1; task++) {
      String through = Integer.toString(task);
      ModelUpdate endOfTask = versions.stream()
          .filter(v -> through.equals(v.getProperties().get(PublishProgress.TRAINED_THROUGH_TASK)))
          .reduce((a, b) -> b).orElseThrow();
      NearestClassMeanModel then = NearestClassMeanModel.fromUpdate(endOfTask);
      for (int label : new int[] {2 * task, 2 * task + 1}) {
        assertArrayEquals(classSums(then, label), classSums(last, label), "sums of class " + label + " after task "
            + task + " and at the end");
      }
    }
  }

  private static float[] classSums(NearestClassMeanModel model, int label) {
    int row = java.util.Arrays.stream(model.labels()).boxed().toList().indexOf(label);
    int dim = model.sums().length / model.labels().length;
    return java.util.Arrays.copyOfRange(model.sums(), row * dim, (row + 1) * dim);
  }

  private static void assertReportMatchesReferenceMatrix(Demo.Result result, double[][] reference) {
    ReportData.LearnerReport nmc = learnerReport(result.report(), NearestClassMeanModel.LEARNER);
    for (int i = 0; i < reference.length; i++) {
      for (int j = 0; j < reference.length; j++) {
        assertEquals(reference[i][j], nmc.matrix().get(i, j), TOLERANCE, "nmc R[" + i + "][" + j + "]");
      }
    }
    double referenceForgetting = forgetting(reference);
    ReportData.LearnerReport finetune = learnerReport(result.report(), "finetune");
    System.out.printf("report: nmc forgetting %.4f (reference %.4f), BWT %.4f; finetune forgetting %.4f, BWT %.4f%n",
        nmc.metrics().averageForgetting(), referenceForgetting, nmc.metrics().backwardTransfer(),
        finetune.metrics().averageForgetting(), finetune.metrics().backwardTransfer());
    assertEquals(referenceForgetting, nmc.metrics().averageForgetting(), TOLERANCE);
    assertTrue(finetune.metrics().averageForgetting() > 0.7, "the no-replay head forgets what it learned");
    assertTrue(nmc.metrics().averageForgetting() < finetune.metrics().averageForgetting() / 4,
        "class means are never overwritten: NMC loses accuracy only to confusion with new classes");
    assertTrue(Files.exists(result.reportHtml()), "the demo ends with the report");
  }

  /** The demo's own report, opened in headless Chromium: every chart decodes, every learner's numbers show. */
  private static void assertReportRendersInChromium(Demo.Result result, Path workDir) throws Exception {
    assertTrue(HeadlessChromium.installed(), "the report check needs Debian's chromium: apt-get install chromium");
    String dom = new HeadlessChromium(workDir).dumpDom(result.reportHtml());
    long images = 1 + result.report().learners().stream().filter(l -> l.matrix() != null).count();
    assertEquals(6, images, "the accuracy chart and a matrix per learner");
    assertEquals(images + "/" + images, HeadlessChromium.bodyAttribute(dom, "data-images-loaded"));
    var rows = HeadlessChromium.summaryRows(dom);
    for (ReportData.LearnerReport learner : result.report().learners()) {
      assertTrue(learner.samplesPerSecond() > 0, learner.learner() + " throughput, from the runs topic");
      assertTrue(HeadlessChromium.hasImage(dom, "matrix-" + learner.learner()), learner.learner());
      assertEquals(SampleReports.expectedCells(learner), rows.get(learner.learner()), learner.learner());
      assertTrue(dom.contains("<li data-learner=\"" + learner.learner() + "\"><b>" + learner.learner() + "</b>: "
          + learner.drifts().size() + " detections at samples "), learner.learner() + "'s drifts in the report");
    }
  }

  /**
   * Split-Fashion-MNIST's tasks start every 12,000 samples (6,000 training images per class, two classes a task).
   * Every learner's drift detector must fire within 1,000 samples after each of the 4 boundaries and at most once
   * anywhere else.
   */
  private static void assertDriftFoundAfterEveryTaskBoundary(ReportData report) {
    List<Long> boundaries = List.of(12_000L, 24_000L, 36_000L, 48_000L);
    assertEquals(boundaries, report.taskStarts(), "task starts in the predictions");
    for (ReportData.LearnerReport learner : report.learners()) {
      List<Long> found = learner.drifts().stream().map(d -> d.samplesSeen() - 1).toList();
      System.out.printf("drift %s: detections at samples %s%n", learner.learner(), found);
      long falseAlarms = found.stream().filter(at -> boundaries.stream().noneMatch(b -> at >= b && at < b + 1_000))
          .count();
      for (long b : boundaries) {
        assertTrue(found.stream().anyMatch(at -> at >= b && at < b + 1_000),
            learner.learner() + ": no drift within 1,000 samples after the task boundary at " + b + "; found " + found);
      }
      assertTrue(falseAlarms <= 1, learner.learner() + ": " + falseAlarms + " false alarms in " + found);
    }
  }

  private static ReportData.LearnerReport learnerReport(ReportData report, String learner) {
    return report.learners().stream().filter(l -> l.learner().equals(learner)).findFirst().orElseThrow();
  }

  /** Average forgetting (Chaudhry et al. 2018), written out again here rather than calling ContinualMetrics. */
  private static double forgetting(double[][] r) {
    int t = r.length;
    double sum = 0;
    for (int j = 0; j < t - 1; j++) {
      double best = 0;
      for (int l = j; l < t - 1; l++) {
        best = Math.max(best, r[l][j]);
      }
      sum += best - r[t - 1][j];
    }
    return sum / (t - 1);
  }

  /**
   * Class-incremental R[i][j] of a nearest class mean over the classes of tasks 0..i (task t holds
   * classes 2t and 2t+1, every training image of them), on the test images of task j.
   */
  static double[][] referenceMatrix(FashionMnist.Split train, FashionMnist.Split test) {
    double[][] means = classMeans(train);
    int tasks = FashionMnist.CLASSES / 2;
    double[][] r = new double[tasks][tasks];
    long[][] correct = new long[tasks][tasks];
    long[] count = new long[tasks];
    for (int n = 0; n < test.size(); n++) {
      double[] x = normalised(test.images()[n]);
      int label = test.labels()[n];
      count[label / 2]++;
      for (int i = 0; i < tasks; i++) {
        correct[i][label / 2] += nearest(x, means, 2 * (i + 1)) == label ? 1 : 0;
      }
    }
    for (int i = 0; i < tasks; i++) {
      for (int j = 0; j < tasks; j++) {
        r[i][j] = (double) correct[i][j] / count[j];
      }
    }
    return r;
  }

  /** Class means of L2-normalised pixel/255 vectors, nearest mean by Euclidean distance, in doubles. */
  static double referenceAccuracy(FashionMnist.Split train, FashionMnist.Split test) {
    double[][] means = classMeans(train);
    int correct = 0;
    for (int i = 0; i < test.size(); i++) {
      correct += nearest(normalised(test.images()[i]), means, FashionMnist.CLASSES) == test.labels()[i] ? 1 : 0;
    }
    return (double) correct / test.size();
  }

  private static double[][] classMeans(FashionMnist.Split train) {
    int classes = FashionMnist.CLASSES;
    double[][] means = new double[classes][FashionMnist.PIXELS];
    long[] counts = new long[classes];
    for (int i = 0; i < train.size(); i++) {
      double[] x = normalised(train.images()[i]);
      int label = train.labels()[i];
      counts[label]++;
      for (int k = 0; k < x.length; k++) {
        means[label][k] += x[k];
      }
    }
    for (int c = 0; c < classes; c++) {
      for (int k = 0; k < FashionMnist.PIXELS; k++) {
        means[c][k] /= counts[c];
      }
    }
    return means;
  }

  /** The nearest of the first {@code classes} means. */
  static int nearest(double[] x, double[][] means, int classes) {
    int best = -1;
    double bestDistance = Double.MAX_VALUE;
    for (int c = 0; c < classes; c++) {
      double distance = 0;
      for (int k = 0; k < x.length; k++) {
        double d = x[k] - means[c][k];
        distance += d * d;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    return best;
  }

  private static double[] normalised(byte[] pixels) {
    double[] x = new double[pixels.length];
    double norm = 0;
    for (int k = 0; k < pixels.length; k++) {
      x[k] = (pixels[k] & 0xFF) / 255.0;
      norm += x[k] * x[k];
    }
    norm = Math.sqrt(norm);
    for (int k = 0; k < x.length; k++) {
      x[k] /= norm;
    }
    return x;
  }
}
