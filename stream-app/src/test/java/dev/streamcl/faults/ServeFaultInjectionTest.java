package dev.streamcl.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamcl.cli.LocalFlink;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.SplitFashionMnist;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code streamcl serve} in its own JVM, killed with SIGKILL three times and started again while
 * requests arrive at a steady rate: every request is answered exactly once (read_committed), since
 * Kafka Streams' exactly-once commits consumed offsets and answers in one transaction.
 */
@ExtendWith(KafkaBrokerExtension.class)
class ServeFaultInjectionTest {
  private static final String STREAM = "serve-faults";
  private static final int REQUESTS = 10_000;
  private static final int PER_SECOND = 1_000;
  private static final int KILLS = 3;
  private static final int PARTITIONS = 2;

  @Test
  void everyRequestIsAnsweredExactlyOnceAcrossKills() throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("serve-faults"));
    KafkaTopics.create(clients.admin(), PARTITIONS, List.of(topics.samples().name(), topics.requests().name(),
        topics.modelUpdates().name(), topics.predictions().name(), topics.servedPredictions().name(),
        topics.deadLetters().name(), topics.alerts().name()));
    SplitFashionMnist scenario = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 7, 100);
    new ScenarioPublisher(clients, topics, PARTITIONS, 1000, false).publish(scenario, STREAM);
    LearnerJobConfig nmc = LearnerJobOptions.defaults().toBuilder().learners(NearestClassMeanModel.LEARNER)
        .checkpointIntervalMs(300).build();
    LocalFlink.run(KafkaLearnerJob.create(clients, topics, nmc, true), nmc, "model to serve");

    Path log = Path.of("target", "serve-process-" + topics.prefix() + ".log");
    // One name across restarts (static membership): each restarted serve takes its partitions back at once.
    List<String> args = List.of("--bootstrap", KafkaBrokerExtension.bootstrap(), "--topic-prefix", topics.prefix(),
        "--instance-id", "serve-faults");
    StreamClProcess serve = StreamClProcess.start(log, "serve", args);
    CompletableFuture<Void> load = CompletableFuture.runAsync(() -> sendRequests(clients, topics, scenario));
    Map<Long, Integer> answers = new HashMap<>();
    int killed = 0;
    try (KafkaConsumer<String, byte[]> consumer = answersConsumer(clients, topics)) {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      while (answers.size() < REQUESTS && System.nanoTime() < deadline && !load.isCompletedExceptionally()) {
        readAnswers(consumer, answers);
        if (killed < KILLS && answers.size() >= (killed + 1) * REQUESTS / (KILLS + 2)) {
          serve.kill();
          killed++;
          serve = StreamClProcess.start(log, "serve", args);
        }
      }
      load.join();
      readToEnd(consumer, answers);
    } finally {
      serve.kill();
    }
    long lost = REQUESTS - answers.size();
    long duplicated = answers.values().stream().mapToLong(n -> n - 1).sum();
    String line = String.format("serve killed under load: injected %d, lost %d, duplicated %d (requests %,d at "
        + "%,d/s, answers %,d; serve's log %s)", killed, lost, duplicated, REQUESTS, PER_SECOND,
        answers.values().stream().mapToLong(Integer::longValue).sum(), log);
    System.out.println(line);
    FaultLedger.append(line);
    assertEquals(KILLS, killed, "serve was not killed as often as planned");
    assertEquals(0, lost, "requests never answered");
    assertEquals(0, duplicated, "requests answered more than once");
  }

  /** Open loop: request i leaves at i / PER_SECOND seconds, whatever serving does meanwhile. */
  private static void sendRequests(ClientConfigs clients, Topics topics, SplitFashionMnist scenario) {
    EventCodec<Sample> codec = EventCodec.samples();
    long start = System.nanoTime();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      for (int i = 0; i < REQUESTS; i++) {
        LockSupport.parkNanos(start + i * (1_000_000_000L / PER_SECOND) - System.nanoTime());
        Sample image = scenario.testSample(STREAM, i % scenario.testSize());
        Sample request = Sample.newBuilder(image).setSequence(i).build();
        producer.send(new ProducerRecord<>(topics.requests().name(),
            StreamPartitioning.partitionFor(STREAM, PARTITIONS), STREAM, codec.encode(request)));
      }
    }
  }

  private static KafkaConsumer<String, byte[]> answersConsumer(ClientConfigs clients, Topics topics) {
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null));
    List<TopicPartition> partitions = consumer.partitionsFor(topics.servedPredictions().name(),
        Duration.ofSeconds(30)).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /** Reads what is committed so far, so that a late duplicate is counted too. */
  private static void readToEnd(KafkaConsumer<String, byte[]> consumer, Map<Long, Integer> answers) {
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
      readAnswers(consumer, answers);
    }
  }

  private static void readAnswers(KafkaConsumer<String, byte[]> consumer, Map<Long, Integer> answers) {
    EventCodec<Prediction> codec = EventCodec.predictions();
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
      answers.merge(codec.decode(record.value()).getSequence(), 1, Integer::sum);
    }
  }
}
