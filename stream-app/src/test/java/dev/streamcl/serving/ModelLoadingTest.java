package dev.streamcl.serving;

import static dev.streamcl.serving.ServingFixtures.STREAM;
import static dev.streamcl.serving.ServingFixtures.kvbDelta;
import static dev.streamcl.serving.ServingFixtures.kvbLabel;
import static dev.streamcl.serving.ServingFixtures.kvbSnapshot;
import static dev.streamcl.serving.ServingFixtures.probe;
import static dev.streamcl.serving.ServingFixtures.rotatingModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A version that needs a new ONNX session has it built off the stream thread (here: held until the test
 * opens a gate) and is swapped in once built; a request that came after it waits for it, so it is never
 * answered by an older version. A version whose session the version before can lend (a KVB delta, same
 * keys) is swapped in at once, sharing it, and the shared session outlives the versions swapped out.
 */
class ModelLoadingTest {
  private static final String HEAD = "head";

  private final EncoderIdentity pixels = ServingFixtures.pixelsIdentity();
  private final CountDownLatch gate = new CountDownLatch(1);
  private final AtomicInteger builds = new AtomicInteger();
  private final ExecutorService loader = Executors.newSingleThreadExecutor();
  private final ProcessorHarness serving = new ProcessorHarness("exactly_once_v2", build -> {
    builds.incrementAndGet();
    loader.execute(() -> {
      awaitGate();
      build.run();
    });
  }).start();
  private long sequence;

  @AfterEach
  void close() {
    gate.countDown();
    serving.close();
    loader.shutdownNow();
  }

  @Test
  void aRequestAfterAVersionThatIsStillBuildingWaitsForIt() throws Exception {
    serving.publish(kvbSnapshot(pixels, STREAM, 1, 7));
    assertEquals(1, builds.get(), "the first version needs a session");
    assertEquals(0, serving.registry.servedVersion(STREAM, KeyValueBottleneckModel.LEARNER), "still building");
    serving.request(STREAM, sequence++, probe(0));
    CompletableFuture<Void> commit = CompletableFuture.runAsync(serving::commit);
    Thread.sleep(200);
    assertFalse(commit.isDone(), "the commit answers the request, and the request waits for v1's session");

    gate.countDown();
    commit.get(30, TimeUnit.SECONDS);
    List<Prediction> answers = serving.answers();
    assertEquals(1, answers.size());
    assertAnsweredBy(1, answers.get(0));

    ModelUpdate v2 = kvbSnapshot(pixels, STREAM, 2, 8); // new keys: a new session
    serving.publish(v2);
    serving.publish(kvbDelta(v2, 3)); // on v2, while v2 builds: waits, then goes on v2's session
    assertAnsweredBy(3, ask());
    assertEquals(2, builds.get(), "one build for v2, none for v3");

    serving.publish(kvbDelta(v2, 4));
    assertEquals(4, serving.registry.servedVersion(STREAM, KeyValueBottleneckModel.LEARNER), "swapped in at once");
    assertEquals(2, builds.get(), "a delta is served on the session of its base");
    assertAnsweredBy(4, ask());
    assertEquals(new HotSwaps(3, 3, 0), serving.registry.hotSwaps(),
        "v1, v2 and v3 closed; v4 still answers on the session v2 and v3 shared");
  }

  @Test
  void aSessionThatCannotBeBuiltIsDeadLetteredAndTheVersionBeforeStaysServed() {
    gate.countDown();
    serving.publish(asHead(rotatingModel(1).snapshot(pixels, STREAM)));
    assertEquals(1, ask().getModelVersion());

    long offset = serving.nextOffset();
    serving.publish(ModelUpdate.newBuilder(asHead(rotatingModel(2).snapshot(pixels, STREAM)))
        .setPortableModel(ByteBuffer.wrap(new byte[] {1, 2, 3})).build());
    Prediction answer = ask();

    List<DeadLetter> letters = serving.deadLetters();
    assertEquals(1, letters.size());
    assertEquals(DeadLetterReason.INTERNAL, letters.get(0).getReason(), letters.get(0).getError());
    assertEquals(offset, letters.get(0).getOffset(), "the letter names the update's record");
    assertEquals(1, serving.registry.servedVersion(STREAM, HEAD));
    assertEquals(1, answer.getModelVersion());
    assertEquals(rotatingModel(1).expect(probe(answer.getSequence())).label(), answer.getPredictedLabel());
  }

  /** A learner this serving knows only by its portable head: NMC's, under another name. */
  private static ModelUpdate asHead(ModelUpdate nmcSnapshot) {
    return ModelUpdate.newBuilder(nmcSnapshot).setLearner(HEAD).build();
  }

  private void awaitGate() {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Prediction ask() {
    serving.answers();
    long seq = sequence++;
    serving.request(STREAM, seq, probe(seq));
    serving.commit();
    List<Prediction> answers = serving.answers();
    assertEquals(1, answers.size(), "one learner, one answer");
    return answers.get(0);
  }

  private static void assertAnsweredBy(long version, Prediction answer) {
    assertEquals(KeyValueBottleneckModel.LEARNER, answer.getLearner());
    assertEquals(version, answer.getModelVersion());
    assertEquals(kvbLabel(version), answer.getPredictedLabel(), "every value row of v" + version + " votes for it");
  }
}
