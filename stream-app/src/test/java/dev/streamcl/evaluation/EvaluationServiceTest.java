package dev.streamcl.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.cli.LocalFlink;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The evaluation service follows a learner job while it runs: it evaluates every evaluation point
 * the batch evaluator would, with the same numbers, and a restarted service evaluates nothing twice.
 */
@ExtendWith(KafkaBrokerExtension.class)
class EvaluationServiceTest {
  private static final int PER_TASK = 60;
  private static final int PUBLISH_EVERY = 25;
  private static final int EVERY = 4;
  private static final String STREAM = "follow";
  private static final Duration WAIT = Duration.ofMinutes(3);
  /** Checkpoints commit every 300 ms here: two seconds of quiet mean the job has stopped publishing. */
  private static final Duration IDLE = Duration.ofSeconds(2);

  @Test
  void evaluatesWhileTheJobLearnsWhatTheBatchEvaluatorWould() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("follow"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    SplitFashionMnist scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 5, PER_TASK);
    KafkaTopics.create(clients.admin(), 2, List.of(topics.samples().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.eval().name()));
    new ScenarioPublisher(clients, topics, 2, 1000, false).publish(scenario, STREAM);
    EncoderSpec encoder = EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu());
    LearnerJobConfig config = LearnerJobConfig.builder(encoder).microBatch(16, 50).publishEvery(PUBLISH_EVERY)
        .parallelism(2).checkpointIntervalMs(300).learners("nmc", "finetune").build();

    EvaluationService service = follow(clients, topics, scenario, encoder);
    Thread following = new Thread(service, "evaluation-service");
    following.start();
    LocalFlink.run(KafkaLearnerJob.create(clients, topics, config, true), config, "evaluation-service-test");
    RecordedRun published = RecordedRun.read(clients, topics.modelUpdates().name());
    for (String learner : List.of("nmc", "finetune")) {
      List<Long> versions = published.versions(STREAM + "/" + learner);
      long newest = versions.get(versions.size() - 1);
      await(() -> service.newestEvaluated(STREAM, learner) == newest, learner + " v" + newest + " to be evaluated");
    }
    service.close();
    following.join();

    assertEquals(null, service.failure());
    List<EvalResult> followed = read(clients, topics);
    assertEquals(followed.size(), followed.stream().map(EvaluationServiceTest::figures).distinct().count(),
        "no version is evaluated twice");
    Set<String> followedFigures = followed.stream().map(EvaluationServiceTest::figures).collect(Collectors.toSet());
    List<EvalResult> batch;
    try (Evaluator evaluator = new Evaluator(clients, topics, scenario.name(), encoder, 10)) {
      batch = evaluator.evaluateWithoutPublishing(STREAM, EVERY);
    }
    for (EvalResult expected : batch) {
      assertTrue(followedFigures.contains(figures(expected)), "the service missed or changed " + figures(expected));
    }
    assertEquals(new EvalResults(batch, STREAM).accuracyMatrix("finetune").orElseThrow().toString(),
        new EvalResults(followed, STREAM).accuracyMatrix("finetune").orElseThrow().toString());

    EvaluationService restarted = follow(clients, topics, scenario, encoder);
    Thread again = new Thread(restarted, "evaluation-service-restarted");
    again.start();
    await(() -> restarted.caughtUp() && restarted.idleChecks() > 0, "the restarted service to read the topic and idle");
    restarted.close();
    again.join();
    assertEquals(0, restarted.evaluatedVersions(), "a restart evaluates no version twice");
    assertEquals(followed.size(), read(clients, topics).size());
  }

  private static EvaluationService follow(ClientConfigs clients, Topics topics, SplitFashionMnist scenario,
      EncoderSpec encoder) {
    return new EvaluationService(clients, topics, new Evaluator(clients, topics, scenario.name(), encoder, 10), STREAM,
        EVERY, IDLE);
  }

  private static String figures(EvalResult r) {
    return r.getLearner() + " v" + r.getModelVersion() + " through " + r.getTrainedThroughTask() + " task "
        + r.getTaskId() + ": " + r.getCorrect() + "/" + r.getCount();
  }

  private static List<EvalResult> read(ClientConfigs clients, Topics topics) {
    EventCodec<EvalResult> codec = EventCodec.evalResults();
    try (TopicReader reader = new TopicReader(clients, topics.eval().name())) {
      return reader.readAll().stream().map(r -> codec.decode(r.value())).toList();
    }
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
      LockSupport.parkNanos(20_000_000L);
    }
  }
}
