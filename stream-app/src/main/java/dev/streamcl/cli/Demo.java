package dev.streamcl.cli;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.Sample;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.NearestClassMeanFunction;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import dev.streamcl.serving.ServingService;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The end-to-end run: Split-Fashion-MNIST to Kafka → learner job on a MiniCluster → serving service
 * hot-swapping the published models → the test split sent as requests → accuracy of the newest model.
 */
public final class Demo {
  /** What to run; {@code bootstrap == null} starts an embedded broker in a temporary folder. */
  public record Settings(String bootstrap, Properties clientProperties, String topicPrefix, Path dataDir, long seed,
      String streamId, int samplesPerTask, int partitions, LearnerJobConfig learner, boolean progress) {}

  public record Result(long learnedSamples, double jobSeconds, double samplesPerSecond, long modelVersions,
      long finalVersion, long answered, long answeredByFinalVersion, long[] correctPerTask, long[] countPerTask) {
    public double accuracy() {
      long correct = 0;
      long count = 0;
      for (int t = 0; t < countPerTask.length; t++) {
        correct += correctPerTask[t];
        count += countPerTask[t];
      }
      return count == 0 ? 0 : (double) correct / count;
    }

    public double taskAccuracy(int task) {
      return countPerTask[task] == 0 ? 0 : (double) correctPerTask[task] / countPerTask[task];
    }
  }

  private static final Duration WAIT = Duration.ofMinutes(5);

  private Demo() {}

  public static Result run(Settings settings, PrintStream out) throws Exception {
    // Load the data first: a missing dataset should fail before any broker starts.
    SplitFashionMnist scenario = new SplitFashionMnist(new FashionMnist(settings.dataDir()), settings.seed(),
        settings.samplesPerTask());
    if (settings.bootstrap() != null) {
      return run(settings, scenario, settings.bootstrap(), out);
    }
    Path dataDir = Files.createTempDirectory("streamcl-demo-kafka");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).partitions(settings.partitions()).start()) {
      out.println("Started an embedded Kafka broker at " + broker.bootstrap());
      return run(settings, scenario, broker.bootstrap(), out);
    }
  }

  private static Result run(Settings settings, SplitFashionMnist scenario, String bootstrap, PrintStream out)
      throws Exception {
    ClientConfigs clients = new ClientConfigs(bootstrap, settings.clientProperties(), true);
    Topics topics = new Topics(settings.topicPrefix());
    createTopics(clients, topics, scenario, settings.partitions());

    out.println("Publishing " + scenario.name() + " (seed " + settings.seed() + ") to " + topics.samples().name());
    new ScenarioPublisher(clients, topics, settings.partitions(), ScenarioPublisher.DEFAULT_COMMIT_EVERY,
        settings.progress()).publish(scenario, settings.streamId());

    out.println("Running the learner job on a local Flink MiniCluster (parallelism "
        + settings.learner().parallelism() + ")");
    JobExecutionResult job = LocalFlink.run(KafkaLearnerJob.create(clients, topics, settings.learner(), true),
        settings.learner(), "streamcl-demo-learner");
    long learned = NearestClassMeanFunction.samplesIn(job);
    double seconds = job.getNetRuntime() / 1000.0;
    List<ModelUpdate> updates = modelUpdates(clients, topics, settings.streamId());
    long finalVersion = updates.isEmpty() ? 0 : updates.get(updates.size() - 1).getModelVersion();

    try (ServingService serving = new ServingService(clients, topics, settings.learner().encoder(),
        settings.learner().device(), settings.learner().labelLimit(), new Properties()).start()) {
      await(() -> serving.servedVersion(settings.streamId(), NearestClassMeanModel.LEARNER) >= finalVersion,
          "the serving service to load model version " + finalVersion);
      out.println("Serving model version " + finalVersion + "; sending the test split as requests");
      List<Prediction> answers = askTestSplit(clients, topics, scenario, settings.streamId());
      return summarize(answers, learned, seconds, updates.size(), finalVersion);
    }
  }

  private static void createTopics(ClientConfigs clients, Topics topics, SplitFashionMnist scenario, int partitions) {
    KafkaTopics.create(clients.admin(), partitions, List.of(topics.samples().name(), topics.requests().name(),
        topics.modelUpdates().name(), topics.predictions().name(), topics.deadLetters().name(),
        topics.test(scenario.name()).name()));
  }

  private static List<ModelUpdate> modelUpdates(ClientConfigs clients, Topics topics, String streamId) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    String key = Topics.modelKey(streamId, NearestClassMeanModel.LEARNER);
    try (TopicReader reader = new TopicReader(clients, topics.modelUpdates().name())) {
      return reader.readAll().stream().filter(r -> key.equals(r.key()))
          .map(r -> codec.decode(r.value())).filter(u -> u.getChunkIndex() == 0).toList();
    }
  }

  /** Replays the test topic from offset 0 into the requests topic and collects the served answers. */
  private static List<Prediction> askTestSplit(ClientConfigs clients, Topics topics, SplitFashionMnist scenario,
      String streamId) {
    EventCodec<Prediction> codec = EventCodec.predictions();
    try (TopicReader predictions = new TopicReader(clients, topics.predictions().name());
        TopicReader tests = new TopicReader(clients, topics.test(scenario.name()).name())) {
      var start = predictions.endOffsets();
      List<ConsumerRecord<String, byte[]>> testRecords = tests.readAll();
      sendRequests(clients, topics, testRecords, streamId);
      List<ConsumerRecord<String, byte[]>> answered = predictions.readFrom(start,
          records -> servedCount(records, codec, streamId) >= testRecords.size(), WAIT,
          testRecords.size() + " predictions");
      return answered.stream().map(r -> codec.decode(r.value()))
          .filter(p -> p.getSource() == PredictionSource.SERVING && p.getStreamId().equals(streamId)
              && p.getLearner().equals(NearestClassMeanModel.LEARNER))
          .toList();
    }
  }

  private static long servedCount(List<ConsumerRecord<String, byte[]>> records, EventCodec<Prediction> codec,
      String streamId) {
    return records.stream().map(r -> codec.decode(r.value()))
        .filter(p -> p.getSource() == PredictionSource.SERVING && p.getStreamId().equals(streamId)).count();
  }

  /** The test set is shared by all streams; each request is addressed to the stream whose models answer it. */
  private static void sendRequests(ClientConfigs clients, Topics topics, List<ConsumerRecord<String, byte[]>> tests,
      String streamId) {
    EventCodec<Sample> codec = EventCodec.samples();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      int partitions = producer.partitionsFor(topics.requests().name()).size();
      int partition = StreamPartitioning.partitionFor(streamId, partitions);
      for (ConsumerRecord<String, byte[]> test : tests) {
        Sample request = codec.decode(test.value());
        request.setStreamId(streamId);
        producer.send(new ProducerRecord<>(topics.requests().name(), partition, streamId, codec.encode(request)));
      }
      producer.flush();
    }
  }

  private static Result summarize(List<Prediction> answers, long learned, double seconds, long versions,
      long finalVersion) {
    long[] correct = new long[SplitFashionMnist.TASKS];
    long[] count = new long[SplitFashionMnist.TASKS];
    long byFinal = 0;
    for (Prediction p : answers) {
      int task = p.getTaskId();
      count[task]++;
      if (p.getPredictedLabel() != null && p.getPredictedLabel().equals(p.getTrueLabel())) {
        correct[task]++;
      }
      if (p.getModelVersion() == finalVersion) {
        byFinal++;
      }
    }
    return new Result(learned, seconds, learned / Math.max(seconds, 1e-9), versions, finalVersion, answers.size(),
        byFinal, correct, count);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Timed out after " + WAIT.toSeconds() + " s waiting for " + what);
      }
      Thread.sleep(50);
    }
  }
}
