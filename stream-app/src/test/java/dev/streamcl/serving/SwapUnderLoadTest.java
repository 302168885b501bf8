package dev.streamcl.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.bench.OpenLoopRequester;
import dev.streamcl.bench.ServedAnswers;
import dev.streamcl.bench.ServedAnswers.Answer;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hot swap under load, on the real broker and the real serving service: requests arrive at a constant
 * rate (open-loop) while 50 new versions of each learner (NMC snapshots, KVB sparse deltas) arrive for
 * each of two streams. Every request must be answered exactly once per learner, by a model version that
 * answers as that version must, per stream and learner the versions of successive answers never go
 * back, and every swapped-out ONNX session is closed, none while a call runs on it. The latency of
 * requests sent while versions arrive is printed beside that of requests sent while none did.
 *
 * <p>Serving swaps a stream's models and answers its requests on the same stream thread, so today no call
 * can overlap a swap; the closed-during-a-call count guards the leases should that change
 * ({@link ModelRegistryTest} drives them with concurrent callers).
 */
@ExtendWith(KafkaBrokerExtension.class)
class SwapUnderLoadTest {
  private static final int PARTITIONS = 2;
  private static final int PER_SECOND = 500;
  private static final int SWAPS = 50;
  private static final long LAST_VERSION = 1 + SWAPS;
  /** Requests of each phase, counted on the load's own clock (500 are one second of load). */
  private static final int WARMUP = 2 * PER_SECOND;
  private static final int BETWEEN_VERSIONS = PER_SECOND / 5;
  private static final int STEADY = 4 * PER_SECOND;
  private static final List<String> LEARNERS = List.of(KeyValueBottleneckModel.LEARNER, NearestClassMeanModel.LEARNER);

  private final EncoderIdentity encoder = ServingFixtures.pixelsIdentity();

  @Test
  void everyRequestIsAnsweredAndVersionsNeverGoBackWhileFiftyVersionsPerStreamArrive() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("swap-under-load"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    KafkaTopics.create(KafkaBrokerExtension.bootstrap(), PARTITIONS, topics.requests().name(),
        topics.modelUpdates().name(), topics.servedPredictions().name(), topics.deadLetters().name());
    List<String> streams = streamsOnEachPartition();
    Map<String, ModelUpdate> kvbBases = new HashMap<>();
    streams.forEach(s -> kvbBases.put(s, ServingFixtures.kvbSnapshot(encoder, s)));

    long steadyFrom;
    long swapFrom;
    long swapTo;
    List<Answer> answers;
    HotSwaps hotSwaps;
    OpenLoopRequester requester;
    try (KafkaProducer<String, byte[]> learner = new KafkaProducer<>(clients.producer("learner-" + topics.prefix()));
        ServingService serving = new ServingService(clients, topics, ServingFixtures.PIXELS_2X2, ComputeDevice.cpu(),
            10, new Properties());
        ServedAnswers served = new ServedAnswers(clients, topics.servedPredictions().name()).start();
        OpenLoopRequester load = new OpenLoopRequester(OpenLoopRequester.producerConfig(clients),
            topics.requests().name(), PARTITIONS, streams, PER_SECOND, 40 * PER_SECOND,
            ServingFixtures::probeRequest)) {
      requester = load;
      learner.initTransactions();
      publishVersion(learner, topics, streams, kvbBases, 1);
      serving.start();
      awaitServed(serving, streams, 1);

      // Warm-up (JIT, first transactions) until serving caught up; then the versions, paced by the load's clock;
      // once serving caught up again, the steady window: no model arrives in it.
      load.start();
      swapFrom = load.awaitCaughtUp(served, WARMUP, LEARNERS.size());
      for (long version = 2; version <= LAST_VERSION; version++) {
        publishVersion(learner, topics, streams, kvbBases, version);
        load.awaitSent(load.sent() + BETWEEN_VERSIONS);
      }
      awaitServed(serving, streams, LAST_VERSION);
      swapTo = load.sent();
      steadyFrom = load.awaitCaughtUp(served, swapTo, LEARNERS.size());
      load.awaitSent(steadyFrom + STEADY);
      load.stop();
      answers = served.await(load.sent() * LEARNERS.size(), Duration.ofSeconds(60));
      hotSwaps = serving.hotSwaps();
    }
    long deadLetters = deadLetterCount(clients, topics);
    SwapVerdict verdict = SwapVerdict.of(requester, answers, LEARNERS);
    long swaps = (long) SWAPS * LEARNERS.size() * streams.size();

    System.out.printf("swap-under-load: requests %d at %d/s, failed %d, swaps %d (%d versions x %d learners x %d "
        + "streams, one every %d ms, all served after %.1f s), versions back %d, swapped-out sessions closed %d/%d, "
        + "closed during a call %d; latency p50/p99/p99.9 steady %s ms, during swaps %s ms; versions answering "
        + "requests sent during swaps %s%n",
        requester.sent(), PER_SECOND, verdict.failedCount() + deadLetters, swaps, SWAPS, LEARNERS.size(),
        streams.size(), 1000 * BETWEEN_VERSIONS / PER_SECOND, (swapTo - swapFrom) / (double) PER_SECOND,
        verdict.backCount(), hotSwaps.closed(), hotSwaps.swappedOut(), hotSwaps.closedDuringCall(),
        verdict.percentiles(seq -> seq >= steadyFrom),
        verdict.percentiles(seq -> seq >= swapFrom && seq < swapTo), verdict.versionCounts(swapFrom, swapTo));

    assertEquals(0, requester.sendFailures(), "requests the broker refused");
    assertEquals(List.of(), verdict.failed(), "failed requests (first 10)");
    assertEquals(0, deadLetters, "dead letters");
    assertEquals(List.of(), verdict.versionsBack(), "answers whose version went back (first 10)");
    assertEquals(new HotSwaps(swaps, swaps, 0), hotSwaps, "every swapped-out model closed, none under a call");
    verdict.versions(swapTo, requester.sent()).forEach((model, versions) -> assertEquals(Set.of(LAST_VERSION),
        versions, model + ": requests sent after v" + LAST_VERSION + " was served are answered by it alone"));
    verdict.versionCounts(swapFrom, swapTo).forEach((model, versions) -> assertTrue(versions >= SWAPS / 5,
        model + ": requests met only " + versions + " versions while they arrived; the swaps were not under load"));
  }

  /** Version {@code version} of both learners on every stream, in one transaction as the learner job writes. */
  private void publishVersion(KafkaProducer<String, byte[]> learner, Topics topics, List<String> streams,
      Map<String, ModelUpdate> kvbBases, long version) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    learner.beginTransaction();
    for (String stream : streams) {
      ModelUpdate kvb = version == 1 ? kvbBases.get(stream) : ServingFixtures.kvbDelta(kvbBases.get(stream), version);
      ModelUpdate nmc = ServingFixtures.rotatingModel(version).snapshot(encoder, stream);
      for (ModelUpdate update : List.of(kvb, nmc)) {
        learner.send(new ProducerRecord<>(topics.modelUpdates().name(),
            StreamPartitioning.partitionFor(stream, PARTITIONS), Topics.modelKey(stream, update.getLearner()),
            codec.encode(update)));
      }
    }
    learner.commitTransaction();
  }

  private static void awaitServed(ServingService serving, List<String> streams, long version)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    for (String stream : streams) {
      for (String learner : LEARNERS) {
        while (serving.servedVersion(stream, learner) < version) {
          assertTrue(System.nanoTime() < deadline, stream + "/" + learner + " never served v" + version
              + "; serving is " + serving.state());
          Thread.sleep(10);
        }
      }
    }
  }

  /** Two stream ids that land on different partitions, so serving runs two tasks. */
  private static List<String> streamsOnEachPartition() {
    String first = "s0";
    for (int i = 1; ; i++) {
      if (StreamPartitioning.partitionFor("s" + i, PARTITIONS) != StreamPartitioning.partitionFor(first, PARTITIONS)) {
        return List.of(first, "s" + i);
      }
    }
  }

  private static long deadLetterCount(ClientConfigs clients, Topics topics) {
    try (TopicReader reader = new TopicReader(clients, topics.deadLetters().name())) {
      return reader.readAll().size();
    }
  }
}
