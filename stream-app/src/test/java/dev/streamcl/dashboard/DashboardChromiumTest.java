package dev.streamcl.dashboard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.evaluation.EvaluationService;
import dev.streamcl.evaluation.Evaluator;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Sample;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.report.HeadlessChromium;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.SplitFashionMnist;
import dev.streamcl.serving.ServingService;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.function.LongPredicate;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard of a running pipeline in a real browser: a real broker, the learner job learning a slice of
 * Split-Fashion-MNIST on a MiniCluster, the evaluation service and serving beside it. Headless Chromium opens the
 * page over the DevTools protocol; the page must show a model version and chart data, then a later version pushed
 * over server-sent events without a reload. Its screenshot is kept in target/dashboard/dashboard.png.
 */
@ExtendWith(KafkaBrokerExtension.class)
class DashboardChromiumTest {
  private static final String STREAM = "split-fmnist";
  private static final int PER_TASK = 100;
  private static final int PUBLISH_EVERY = 20;
  /** Tasks 0 and 1 before the page opens; tasks 2 to 4 once it shows a version. */
  private static final int FIRST_PART = 2 * PER_TASK;
  /** Versions every PUBLISH_EVERY labelled samples; each task's end falls on one. */
  private static final long FINAL_VERSION = SplitFashionMnist.TASKS * PER_TASK / PUBLISH_EVERY;
  private static final int PARTITIONS = 2;
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final Path SCREENSHOT = Path.of("target", "dashboard", "dashboard.png");
  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  @TempDir Path browserDir;

  @Test
  void showsTheRunningPipelineAndItsNewVersionsWithoutReloading() throws Exception {
    assertTrue(HeadlessChromium.installed(), HeadlessChromium.BINARY + " is missing: apt-get install chromium");
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("dashboard"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    SplitFashionMnist scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 11, PER_TASK);
    KafkaTopics.create(clients.admin(), PARTITIONS, List.of(topics.samples().name(), topics.requests().name(),
        topics.modelUpdates().name(), topics.predictions().name(), topics.servedPredictions().name(),
        topics.deadLetters().name(), topics.alerts().name(), topics.eval().name(),
        topics.test(scenario.name()).name()));
    EncoderSpec encoder = EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu());
    LearnerJobConfig config = LearnerJobConfig.builder(encoder).microBatch(16, 50).publishEvery(PUBLISH_EVERY)
        .parallelism(1).checkpointIntervalMs(300).learners("nmc", "finetune").build();
    publishTestSet(clients, topics, scenario);
    publishTraining(clients, topics, scenario, 0, FIRST_PART);

    EvaluationService evaluation = new EvaluationService(clients, topics,
        new Evaluator(clients, topics, scenario.name(), encoder, config.labelLimit()), STREAM, 5,
        Duration.ofSeconds(2));
    Thread evaluating = new Thread(evaluation, "dashboard-test-evaluation");
    evaluating.start();
    try (RunningLearnerJob job = RunningLearnerJob.start(clients, topics, config);
        ServingService serving = new ServingService(clients, topics, encoder, config.device(), config.labelLimit(),
            new Properties()).start();
        DashboardServer dashboard = DashboardServer.start(clients, topics, "127.0.0.1", 0);
        ChromiumDevTools browser = ChromiumDevTools.launch(browserDir, Duration.ofMinutes(1))) {
      browser.viewport(1440, 1000);
      browser.navigate("http://127.0.0.1:" + dashboard.port() + "/");
      String loadId = browser.await("window.streamclDashboard && window.streamclDashboard.loadId",
          JsonNode::isTextual, WAIT, "the dashboard's script to run").asText();

      long first = shownVersion(browser, version -> version >= 1, "a first nmc version on the page");
      browser.await(chartsHoldData(), JsonNode::asBoolean, WAIT, "data in all three charts");
      browser.await("window.streamclDashboard.state.serving !== null", JsonNode::asBoolean, WAIT,
          "serving's consumer group and lag");
      assertFalse(job.ended(), "the learner job runs until closed");

      sendRequests(clients, topics, scenario, 50);
      publishUnprocessable(clients, topics, scenario);
      publishTraining(clients, topics, scenario, FIRST_PART, scenario.trainingSize());
      long later = shownVersion(browser, version -> version > first, "a version later than v" + first);

      assertEquals(loadId, browser.evaluate("window.streamclDashboard.loadId").asText(),
          "the page was reloaded: v" + later + " must arrive over server-sent events");
      assertEquals("navigate", browser.evaluate("performance.getEntriesByType('navigation')[0].type").asText());
      assertTrue(browser.evaluate("window.streamclDashboard.updates").asLong() > 1);
      System.out.printf("dashboard showed nmc v%d, then v%d without a reload%n", first, later);

      // For the screenshot: the whole run learned, every newest version evaluated (nmc's matrix has its five rows)
      // and the dead letters counted.
      shownVersion(browser, version -> version == FINAL_VERSION, "the final version v" + FINAL_VERSION);
      browser.await("window.streamclDashboard.state.models.every(m => m.version > 0 && m.testedVersion === m.version)",
          JsonNode::asBoolean, WAIT, "the newest version of every learner to be evaluated");
      browser.await("document.querySelectorAll('.matrix[data-learner=\"nmc\"] th.row').length", n -> n.asInt() == 5,
          WAIT, "all five rows of nmc's accuracy matrix");
      browser.await("window.streamclDashboard.state.deadLetters.total", n -> n.asInt() == 2, WAIT,
          "the two unprocessable records as dead letters");
      saveScreenshot(browser.screenshot());
    } finally {
      evaluation.close();
      evaluating.join(Duration.ofMinutes(1).toMillis());
    }
  }

  /** The version the models table shows for nmc, once it satisfies {@code wanted}. */
  private static long shownVersion(ChromiumDevTools browser, LongPredicate wanted, String what) {
    String cell = "document.querySelector('[data-stream=\"" + STREAM + "\"][data-learner=\"nmc\"]"
        + "[data-field=\"version\"]')";
    JsonNode text = browser.await("(" + cell + " || {}).textContent || ''",
        value -> value.asText().matches("\\d+") && wanted.test(Long.parseLong(value.asText())), WAIT, what);
    return Long.parseLong(text.asText());
  }

  /** Every uPlot chart exists and holds at least one value in a series. */
  private static String chartsHoldData() {
    return "(() => { const charts = window.streamclDashboard.charts;"
        + " const filled = c => c !== null && c.data.length > 1 && c.data.slice(1).some(s => s.some(v => v != null));"
        + " return filled(charts.prequential) && filled(charts.testAccuracy) && filled(charts.throughput); })()";
  }

  private static void saveScreenshot(byte[] png) throws Exception {
    assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(png, PNG_SIGNATURE.length), "not a PNG");
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(image, "the screenshot does not decode");
    assertTrue(image.getWidth() >= 1400 && image.getHeight() >= 1000, image.getWidth() + "x" + image.getHeight());
    assertTrue(png.length > 50_000, "a page with charts and tables, not a blank one: " + png.length + " bytes");
    Files.createDirectories(SCREENSHOT.getParent());
    Files.write(SCREENSHOT, png);
    System.out.printf("dashboard screenshot %dx%d, %,d bytes: %s%n", image.getWidth(), image.getHeight(),
        png.length, SCREENSHOT.toAbsolutePath());
  }

  private static void publishTraining(ClientConfigs clients, Topics topics, SplitFashionMnist scenario, long from,
      long to) {
    EventCodec<Sample> codec = EventCodec.samples();
    int partition = StreamPartitioning.partitionFor(STREAM, PARTITIONS);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      for (long sequence = from; sequence < to; sequence++) {
        producer.send(new ProducerRecord<>(topics.samples().name(), partition, STREAM,
            codec.encode(scenario.trainingSample(STREAM, sequence))));
      }
      producer.flush();
    }
  }

  private static void publishTestSet(ClientConfigs clients, Topics topics, SplitFashionMnist scenario) {
    EventCodec<Sample> codec = EventCodec.samples();
    String key = scenario.name();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      for (long sequence = 0; sequence < scenario.testSize(); sequence++) {
        producer.send(new ProducerRecord<>(topics.test(key).name(), StreamPartitioning.partitionFor(key, PARTITIONS),
            key, codec.encode(scenario.testSample(key, sequence))));
      }
      producer.flush();
    }
  }

  /** Test samples as requests for serving, addressed to the stream. */
  private static void sendRequests(ClientConfigs clients, Topics topics, SplitFashionMnist scenario, int count) {
    EventCodec<Sample> codec = EventCodec.samples();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      for (long sequence = 0; sequence < count; sequence++) {
        producer.send(new ProducerRecord<>(topics.requests().name(), StreamPartitioning.partitionFor(STREAM,
            PARTITIONS), STREAM, codec.encode(scenario.testSample(STREAM, sequence))));
      }
      producer.flush();
    }
  }

  /** Two records the learner job dead-letters: bytes that are no event, and a label beyond the label limit. */
  private static void publishUnprocessable(ClientConfigs clients, Topics topics, SplitFashionMnist scenario) {
    Sample unknownLabel = Sample.newBuilder(scenario.trainingSample(STREAM, 0)).setSequence(1_000_000).setLabel(42)
        .build();
    int partition = StreamPartitioning.partitionFor(STREAM, PARTITIONS);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      producer.send(new ProducerRecord<>(topics.samples().name(), partition, STREAM,
          "not an event".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>(topics.samples().name(), partition, STREAM,
          EventCodec.samples().encode(unknownLabel)));
      producer.flush();
    }
  }
}
