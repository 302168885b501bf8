package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Sample;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import dev.streamcl.serving.ServingService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Both /metrics endpoints, scraped while the pipeline runs: the learner job's (Flink's Prometheus reporter on the
 * local MiniCluster) and serving's, with requests sent the whole time. The learners' sample counts and serving's
 * request count must be seen rising from one scrape to a later one, and both sides must report a model version.
 */
@ExtendWith(KafkaBrokerExtension.class)
class MetricsEndpointsTest {
  private static final int PER_TASK = 2_000;
  private static final String STREAM = "watched";
  private static final String LEARNER_METRIC = "flink_taskmanager_job_task_operator_learner_";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void bothEndpointsShowTheRunMoving() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("metrics"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    SplitFashionMnist scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 3, PER_TASK);
    KafkaTopics.create(clients.admin(), 2, List.of(topics.samples().name(), topics.requests().name(),
        topics.modelUpdates().name(), topics.predictions().name(), topics.servedPredictions().name(),
        topics.deadLetters().name(), topics.alerts().name()));
    new ScenarioPublisher(clients, topics, 2, 1000, false).publish(scenario, STREAM);
    LearnerJobConfig config = LearnerJobConfig.builder(EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu()))
        .microBatch(16, 50).publishEvery(250).parallelism(2).checkpointIntervalMs(500).learners("nmc", "er").build();
    LocalMonitoring monitoring = new LocalMonitoring(0, 0).resolved();
    URI webUi = URI.create("http://localhost:" + monitoring.webUiPort() + "/");
    URI jobs = URI.create("http://localhost:" + monitoring.webUiPort() + "/jobs/overview");
    URI learnerMetrics = URI.create("http://localhost:" + monitoring.metricsPort() + "/metrics");

    List<Double> learned = new ArrayList<>();
    List<Double> requests = new ArrayList<>();
    double versions = 0;
    double swaps = 0;
    double servedVersion = 0;
    double deadLetters = 0;
    boolean webUiShowedTheJob = false;
    Set<String> exported = new HashSet<>();
    try (ServingService serving = new ServingService(clients, topics, config.encoder(), config.device(), 10,
        new Properties()).start();
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      URI servingMetrics = URI.create("http://localhost:" + serving.serveMetricsOn(0) + "/metrics");
      // One request that is not a Sample at all: serving dead-letters it, and its metric must say so.
      producer.send(new ProducerRecord<>(topics.requests().name(), StreamPartitioning.partitionFor(STREAM, 2), STREAM,
          new byte[] {1, 2, 3}));
      CompletableFuture<Void> job = CompletableFuture.runAsync(() -> runJob(clients, topics, config, monitoring));
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      int sent = 0;
      while (!job.isDone() && System.nanoTime() < deadline) {
        sendRequest(producer, topics, scenario, sent++);
        String learnerText = scrape(learnerMetrics);
        String servingText = scrape(servingMetrics);
        exported.addAll(names(servingText));
        if (learnerText != null) {
          exported.addAll(names(learnerText));
          addIfRising(learned, sum(learnerText, LEARNER_METRIC + "samplesLearned", "learner=\"nmc\""));
          versions = Math.max(versions, sum(learnerText, LEARNER_METRIC + "publishedVersions", "learner=\"nmc\""));
        }
        addIfRising(requests, sum(servingText, "streamcl_serving_requests_total", "stream=\"" + STREAM + "\""));
        swaps = Math.max(swaps, sum(servingText, "streamcl_serving_model_swaps_total", "learner=\"nmc\""));
        servedVersion = Math.max(servedVersion, sum(servingText, "streamcl_serving_model_version", "learner=\"nmc\""));
        deadLetters = Math.max(deadLetters, sum(servingText, "streamcl_serving_dead_letters_total", "MALFORMED"));
        if (!webUiShowedTheJob) {
          String overview = scrape(jobs);
          String page = scrape(webUi);
          webUiShowedTheJob = overview != null && overview.contains("\"state\":\"RUNNING\"") && page != null
              && page.contains("<html");
        }
        LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
      }
      job.join();
    }
    System.out.printf("learner /metrics: nmc samplesLearned seen rising %s, publishedVersions %.0f; serving /metrics: "
        + "requests seen rising %s, nmc swaps %.0f, served version %.0f, dead letters %.0f%n", learned, versions,
        requests, swaps, servedVersion, deadLetters);
    assertTrue(learned.size() >= 2, "nmc's samplesLearned never rose between two scrapes: " + learned);
    assertTrue(versions >= 1, "no published version in the learner job's metrics");
    assertTrue(requests.size() >= 2, "serving's request count never rose between two scrapes: " + requests);
    assertTrue(swaps >= 1, "no model swap in serving's metrics");
    assertTrue(servedVersion >= 1, "no served version in serving's metrics");
    assertEquals(1, deadLetters, "the malformed request in serving's dead-letter count");
    assertTrue(webUiShowedTheJob, "Flink's web UI at " + webUi + " never showed the running job");
    assertEquals(learned.stream().sorted().toList(), learned, "counts only rise");
    assertDashboardQueriesExistingSeries(exported);
  }

  /** Names of the series in a scraped page (bounded operators drop theirs when they finish, so collect them all). */
  private static Set<String> names(String text) {
    Set<String> names = new HashSet<>();
    if (text != null) {
      Matcher series = Pattern.compile("^([A-Za-z_:][A-Za-z0-9_:]*)[{ ]", Pattern.MULTILINE).matcher(text);
      while (series.find()) {
        names.add(series.group(1));
      }
    }
    return names;
  }

  /** Every metric the ops Grafana dashboard queries is one the endpoints exported during the run. */
  private static void assertDashboardQueriesExistingSeries(Set<String> exported) throws IOException {
    Path dashboard = Path.of("..", "ops", "grafana", "streamcl-dashboard.json");
    Matcher name = Pattern.compile("\\b(?:flink|streamcl)_[A-Za-z0-9_]+").matcher(Files.readString(dashboard));
    int names = 0;
    while (name.find()) {
      String metric = name.group();
      names++;
      assertTrue(exported.contains(metric), dashboard + " queries " + metric
          + ", which neither /metrics endpoint exports");
    }
    assertTrue(names >= 10, "only " + names + " metric names found in " + dashboard);
  }

  private static void runJob(ClientConfigs clients, Topics topics, LearnerJobConfig config,
      LocalMonitoring monitoring) {
    try {
      LocalFlink.run(KafkaLearnerJob.create(clients, topics, config, true), config, "metrics",
          FlinkTarget.local(monitoring));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sendRequest(KafkaProducer<String, byte[]> producer, Topics topics, SplitFashionMnist scenario,
      int n) {
    Sample request = scenario.testSample(STREAM, n % 1_000);
    request.setSequence(1_000_000L + n);
    producer.send(new ProducerRecord<>(topics.requests().name(), StreamPartitioning.partitionFor(STREAM, 2), STREAM,
        EventCodec.samples().encode(request)));
  }

  /** The page, or null while the endpoint is not up yet (the MiniCluster starts its reporter with the job). */
  private String scrape(URI uri) throws InterruptedException {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException notUpYet) {
      return null;
    }
  }

  private static void addIfRising(List<Double> seen, double value) {
    if (value > 0 && (seen.isEmpty() || value > seen.get(seen.size() - 1))) {
      seen.add(value);
    }
  }

  /** Sum over the series of {@code name} whose labels contain {@code label} (Prometheus text format). */
  static double sum(String text, String name, String label) {
    if (text == null) {
      return 0;
    }
    double sum = 0;
    Matcher line = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE)
        .matcher(text);
    while (line.find()) {
      if (line.group(1).contains(label)) {
        sum += Double.parseDouble(line.group(2));
      }
    }
    return sum;
  }
}
