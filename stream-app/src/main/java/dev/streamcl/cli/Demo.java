package dev.streamcl.cli;

import dev.streamcl.evaluation.Evaluator;
import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.Sample;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.report.ReportBuilder;
import dev.streamcl.report.ReportData;
import dev.streamcl.report.ReportWriter;
import dev.streamcl.report.Throughputs;
import dev.streamcl.scenario.ClassIncrementalScenario;
import dev.streamcl.scenario.Scenario;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.Scenarios;
import dev.streamcl.scenario.SplitFashionMnist;
import dev.streamcl.scenario.WordNetSupersenses;
import dev.streamcl.serving.ServingService;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The end-to-end run: a class-incremental scenario (Split-Fashion-MNIST, WordNet supersenses) to Kafka → learner
 * job on a MiniCluster → serving service
 * hot-swapping the published models → the test split sent as requests → accuracy of the newest model.
 */
public final class Demo {
  /**
   * What to run; {@code scenario} (class-incremental: split-fmnist or wordnet-supersenses) from {@code dataDir}
   * (null: its Debian package's); {@code bootstrap == null} starts an embedded broker in a temporary folder;
   * {@code joint}
   * adds an i.i.d. copy of the stream whose fine-tuned head is the upper bound; the evaluation replays
   * the test topic through every {@code evaluateEvery}-th version and every task boundary; the report
   * goes to {@code reportDir} (none when null); the learner job runs on {@code flink}.
   */
  public record Settings(String bootstrap, Properties clientProperties, String topicPrefix, String scenario,
      Path dataDir, long seed,
      String streamId, int samplesPerTask, int partitions, LearnerJobConfig learner, boolean progress, boolean joint,
      int evaluateEvery, Path reportDir, CheckpointOptions checkpoints, FlinkTarget flink) {
    /** The learner job on a local MiniCluster. */
    public Settings(String bootstrap, Properties clientProperties, String topicPrefix, String scenario, Path dataDir,
        long seed, String streamId, int samplesPerTask, int partitions, LearnerJobConfig learner, boolean progress,
        boolean joint, int evaluateEvery, Path reportDir, CheckpointOptions checkpoints) {
      this(bootstrap, clientProperties, topicPrefix, scenario, dataDir, seed, streamId, samplesPerTask, partitions,
          learner, progress, joint, evaluateEvery, reportDir, checkpoints, FlinkTarget.LOCAL);
    }

    String jointStreamId() {
      return streamId + "-joint";
    }
  }

  /** The name under which the fine-tuned head of the i.i.d. stream is reported. */
  public static final String JOINT = "joint";

  /** One learner's published models and its answers to the test split. */
  public record LearnerResult(long modelVersions, long finalVersion, long answered, long answeredByFinalVersion,
      long[] correctPerTask, long[] countPerTask, long[] correctPerClass, long[] countPerClass) {
    public double accuracy() {
      return ratio(LongStream.of(correctPerTask).sum(), LongStream.of(countPerTask).sum());
    }

    /** Mean per-class recall over the classes asked: what unbalanced classes do not inflate. */
    public double macroAccuracy() {
      return IntStream.range(0, countPerClass.length).filter(c -> countPerClass[c] > 0)
          .mapToDouble(c -> ratio(correctPerClass[c], countPerClass[c])).average().orElse(0);
    }

    public double taskAccuracy(int task) {
      return ratio(correctPerTask[task], countPerTask[task]);
    }

    private static double ratio(long correct, long count) {
      return count == 0 ? 0 : (double) correct / count;
    }
  }

  /** Throughput of the learner job and, per learner name, what it published and how well it answered. */
  public record Result(long learnedSamples, double jobSeconds, double samplesPerSecond,
      Map<String, LearnerResult> learners, List<EvalResult> evaluation, ReportData report, Path reportHtml,
      RecordedRun published, List<String> classesOfTasks) {
    public LearnerResult learner(String name) {
      LearnerResult result = learners.get(name);
      if (result == null) {
        throw new IllegalArgumentException("No learner '" + name + "' in this run; ran " + learners.keySet());
      }
      return result;
    }
  }

  private static final Duration WAIT = Duration.ofMinutes(5);

  private Demo() {}

  public static Result run(Settings settings, PrintStream out) throws Exception {
    return run(settings, out, Companion.NONE);
  }

  /** Something that runs beside the demo on its broker and topics, e.g. the dashboard. */
  public interface Companion {
    Companion NONE = (clients, topics, out) -> () -> { };

    /** Starts before anything is published; what it returns is closed when the demo ends. */
    AutoCloseable start(ClientConfigs clients, Topics topics, PrintStream out) throws Exception;
  }

  /** As {@link #run(Settings, PrintStream)}, with {@code companion} running from before publishing to the end. */
  public static Result run(Settings settings, PrintStream out, Companion companion) throws Exception {
    // Load the data first: a missing dataset should fail before any broker starts.
    ClassIncrementalScenario scenario = scenario(settings);
    if (settings.bootstrap() != null) {
      return runWith(companion, settings, scenario, settings.bootstrap(), out);
    }
    Path dataDir = Files.createTempDirectory("streamcl-demo-kafka");
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.builder().dataDir(dataDir).partitions(settings.partitions()).start()) {
      out.println("Started an embedded Kafka broker at " + broker.bootstrap());
      return runWith(companion, settings, scenario, broker.bootstrap(), out);
    }
  }

  private static Result runWith(Companion companion, Settings settings, ClassIncrementalScenario scenario,
      String bootstrap, PrintStream out) throws Exception {
    ClientConfigs clients = new ClientConfigs(bootstrap, settings.clientProperties(), true);
    try (AutoCloseable running = companion.start(clients, new Topics(settings.topicPrefix()), out)) {
      return run(settings, scenario, bootstrap, out);
    }
  }

  /** The demo's scenario; one whose tasks are not class-incremental cannot fill its per-task table. */
  static ClassIncrementalScenario scenario(Settings settings) {
    Scenario scenario = Scenarios.create(settings.scenario(), settings.dataDir(), settings.seed(),
        settings.samplesPerTask());
    if (scenario instanceof ClassIncrementalScenario classIncremental) {
      return classIncremental;
    }
    throw new UserError("The demo runs class-incremental scenarios (" + SplitFashionMnist.NAME + ", "
        + WordNetSupersenses.NAME + "); publish " + settings.scenario()
        + " and run learn, evaluate and report instead");
  }

  private static Result run(Settings settings, ClassIncrementalScenario scenario, String bootstrap, PrintStream out)
      throws Exception {
    ClientConfigs clients = new ClientConfigs(bootstrap, settings.clientProperties(), true);
    Topics topics = new Topics(settings.topicPrefix());
    createTopics(clients, topics, scenario, settings.partitions());

    LocalFlink.Resumable resumable = settings.checkpoints() == null ? null : settings.checkpoints()
        .resumable(clients, topics.prefix(), "demo", settings.learner(), topics.samples().name(), true);
    if (resumable != null && resumable.checkpoints().newest().isPresent()) {
      out.println("Resuming the interrupted demo: its samples are on " + topics.samples().name() + " already");
    } else {
      publish(settings, scenario, clients, topics, out);
    }
    out.println("Running the learner job on " + settings.flink().describe(settings.learner()));
    JobExecutionResult job = LocalFlink.run(KafkaLearnerJob.create(clients, topics, settings.learner(), true),
        settings.learner(), "streamcl-demo-learner", resumable, settings.flink(), out);
    long learned = LearnerJob.samplesIn(job);
    Throughputs.publish(clients, topics, LearnerJob.throughputs(job, "streamcl-demo-learner", Instant.now()));
    double seconds = job.getNetRuntime() / 1000.0;
    RecordedRun published = RecordedRun.read(clients, topics.modelUpdates().name());
    Map<String, List<Long>> versions = publishedVersions(published, settings.streamId());

    try (ServingService serving = new ServingService(clients, topics, settings.learner().encoder(),
        settings.learner().device(), settings.learner().labelLimit(), new Properties()).start()) {
      versions.forEach((learner, learnerVersions) -> awaitServed(serving, settings.streamId(), learner,
          last(learnerVersions)));
      out.println("Serving the newest versions " + newestVersions(versions) + "; sending the test split as requests");
      List<Prediction> answers = askTestSplit(clients, topics, scenario, settings.streamId(), versions.size());
      Map<String, LearnerResult> learners = new TreeMap<>();
      versions.forEach((learner, learnerVersions) -> learners.put(learner, summarize(scenario, answers.stream()
          .filter(p -> p.getLearner().equals(learner)).toList(), learnerVersions.size(), last(learnerVersions))));
      if (settings.joint()) {
        learners.put(JOINT, jointUpperBound(clients, topics, scenario, settings, serving, published));
      }
      out.println("Evaluating every " + settings.evaluateEvery() + "th version and every task boundary on "
          + topics.test(scenario.name()).name());
      List<EvalResult> evaluation;
      try (Evaluator evaluator = new Evaluator(clients, topics, scenario.name(), settings.learner().encoder(),
          settings.learner().labelLimit())) {
        evaluation = evaluator.evaluate(settings.streamId(), settings.evaluateEvery());
      }
      ReportData report = new ReportBuilder(clients, topics, scenario.name(), PREQUENTIAL_WINDOW)
          .build(settings.streamId());
      Path html = settings.reportDir() == null ? null : ReportWriter.write(report, settings.reportDir());
      List<String> classesOfTasks = IntStream.range(0, scenario.tasks()).mapToObj(scenario::classesOfTask).toList();
      return new Result(learned, seconds, learned / Math.max(seconds, 1e-9), learners, evaluation, report, html,
          published, classesOfTasks);
    }
  }

  private static void publish(Settings settings, ClassIncrementalScenario scenario, ClientConfigs clients,
      Topics topics,
      PrintStream out) {
    out.println("Publishing " + scenario.name() + " (seed " + settings.seed() + ") to " + topics.samples().name());
    ScenarioPublisher publisher = new ScenarioPublisher(clients, topics, settings.partitions(),
        ScenarioPublisher.DEFAULT_COMMIT_EVERY, settings.progress());
    publisher.publish(scenario, settings.streamId());
    if (settings.joint()) {
      out.println("Publishing the same samples in one i.i.d. order to stream " + settings.jointStreamId());
      publisher.publish(scenario.iid(), settings.jointStreamId());
    }
    settings.learner().warmupTopics().forEach((topic, samples) -> {
      out.printf("Publishing %,d unlabelled samples of all classes to %s%n", samples, topic);
      publisher.publishUnlabelled(scenario, settings.streamId(), topic, samples);
    });
  }

  /** Labelled predictions in the prequential accuracy window of the report. */
  static final int PREQUENTIAL_WINDOW = 1000;

  /** The fine-tuned head trained on the i.i.d. stream, asked the same test split. */
  private static LearnerResult jointUpperBound(ClientConfigs clients, Topics topics, ClassIncrementalScenario scenario,
      Settings settings, ServingService serving, RecordedRun published) {
    String stream = settings.jointStreamId();
    Map<String, List<Long>> versions = publishedVersions(published, stream);
    List<Long> finetune = versions.get(FINETUNE);
    if (finetune == null) {
      throw new UserError("--joint needs the finetune learner: add it to --learners");
    }
    versions.forEach((learner, learnerVersions) -> awaitServed(serving, stream, learner, last(learnerVersions)));
    List<Prediction> answers = askTestSplit(clients, topics, scenario, stream, versions.size());
    return summarize(scenario, answers.stream().filter(p -> p.getLearner().equals(FINETUNE)).toList(),
        finetune.size(),
        last(finetune));
  }

  /** The joint (i.i.d.) upper bound is the fine-tuned head: no replay is needed on an i.i.d. stream. */
  static final String FINETUNE = ReplayHeadLearner.Variant.FINETUNE.learnerName();

  private static long last(List<Long> versions) {
    return versions.get(versions.size() - 1);
  }

  private static Map<String, Long> newestVersions(Map<String, List<Long>> versions) {
    Map<String, Long> newest = new TreeMap<>();
    versions.forEach((learner, published) -> newest.put(learner, last(published)));
    return newest;
  }

  private static void awaitServed(ServingService serving, String streamId, String learner, long version) {
    await(() -> serving.servedVersion(streamId, learner) >= version,
        "the serving service to load " + learner + " version " + version);
  }

  private static void createTopics(ClientConfigs clients, Topics topics, ClassIncrementalScenario scenario,
      int partitions) {
    KafkaTopics.create(clients.admin(), partitions, List.of(topics.samples().name(), topics.requests().name(),
        topics.modelUpdates().name(), topics.predictions().name(), topics.servedPredictions().name(),
        topics.deadLetters().name(), topics.alerts().name(),
        topics.test(scenario.name()).name(), topics.keyInit().name(), topics.eval().name()));
  }

  /** Model versions of the stream as a read_committed consumer sees them, per learner, in topic order. */
  private static Map<String, List<Long>> publishedVersions(RecordedRun published, String streamId) {
    Map<String, List<Long>> versions = published.versionsByLearner(streamId);
    if (versions.isEmpty()) {
      throw new IllegalStateException("The learner job published no model for stream '" + streamId + "'");
    }
    return versions;
  }

  /** Replays the test topic from offset 0 into the requests topic and collects the served answers. */
  private static List<Prediction> askTestSplit(ClientConfigs clients, Topics topics, ClassIncrementalScenario scenario,
      String streamId, int learners) {
    EventCodec<Prediction> codec = EventCodec.predictions();
    try (TopicReader predictions = new TopicReader(clients, topics.servedPredictions().name());
        TopicReader tests = new TopicReader(clients, topics.test(scenario.name()).name())) {
      var start = predictions.endOffsets();
      List<ConsumerRecord<String, byte[]>> testRecords = tests.readAll();
      sendRequests(clients, topics, testRecords, streamId);
      List<ConsumerRecord<String, byte[]>> answered = predictions.readFrom(start,
          records -> servedCount(records, codec, streamId) >= (long) learners * testRecords.size(), WAIT,
          learners * testRecords.size() + " predictions");
      return answered.stream().map(r -> codec.decode(r.value()))
          .filter(p -> p.getSource() == PredictionSource.SERVING && p.getStreamId().equals(streamId))
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

  private static LearnerResult summarize(ClassIncrementalScenario scenario, List<Prediction> answers, long versions,
      long finalVersion) {
    long[] correct = new long[scenario.tasks()];
    long[] count = new long[scenario.tasks()];
    long[] classCorrect = new long[scenario.classes()];
    long[] classCount = new long[scenario.classes()];
    long byFinal = 0;
    for (Prediction p : answers) {
      int task = p.getTaskId();
      int label = p.getTrueLabel();
      count[task]++;
      classCount[label]++;
      if (p.getPredictedLabel() != null && p.getPredictedLabel() == label) {
        correct[task]++;
        classCorrect[label]++;
      }
      if (p.getModelVersion() == finalVersion) {
        byFinal++;
      }
    }
    return new LearnerResult(versions, finalVersion, answers.size(), byFinal, correct, count, classCorrect,
        classCount);
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Timed out after " + WAIT.toSeconds() + " s waiting for " + what);
      }
      LockSupport.parkNanos(50_000_000L);
    }
  }
}
