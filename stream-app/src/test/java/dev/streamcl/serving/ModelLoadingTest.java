package dev.streamcl.serving;

import static dev.streamcl.serving.ServingFixtures.STREAM;
import static dev.streamcl.serving.ServingFixtures.kvbDelta;
import static dev.streamcl.serving.ServingFixtures.kvbLabel;
import static dev.streamcl.serving.ServingFixtures.kvbSnapshot;
import static dev.streamcl.serving.ServingFixtures.probe;
import static dev.streamcl.serving.ServingFixtures.rotatingModel;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A version that needs a new ONNX session is built off the stream thread (here: when the test runs the
 * builds) and swapped in once built; until then the version before answers. A version whose session the
 * version before can lend (a KVB delta, same keys) is swapped in at once, sharing it, and the shared session
 * outlives the versions swapped out.
 */
class ModelLoadingTest {
  private static final String HEAD = "head";

  private final EncoderIdentity pixels = ServingFixtures.pixelsIdentity();
  private final List<Runnable> builds = new ArrayList<>();
  private final ProcessorHarness serving = new ProcessorHarness("exactly_once_v2", builds::add).start();
  private long sequence;

  @AfterEach
  void close() {
    runBuilds();
    serving.close();
  }

  @Test
  void aVersionNeedingANewSessionIsSwappedInOnceBuiltAndTheVersionBeforeAnswersMeanwhile() {
    ModelUpdate v1 = kvbSnapshot(pixels, STREAM, 1, 7);
    serving.publish(v1);
    assertEquals(1, builds.size(), "the first version needs a session");
    assertEquals("none", ask().getLearner(), "nothing served while it builds");
    runBuilds();
    serving.punctuate();
    assertAnsweredBy(1, ask());

    ModelUpdate v2 = kvbSnapshot(pixels, STREAM, 2, 8); // new keys: a new session
    serving.publish(v2);
    assertEquals(1, builds.size());
    assertAnsweredBy(1, ask());
    serving.publish(kvbDelta(v2, 3)); // on v2, while v2 builds: waits for v2's session
    assertEquals(1, builds.size(), "one build per stream and learner at a time");
    assertAnsweredBy(1, ask());

    runBuilds();
    serving.punctuate();
    assertEquals(3, serving.registry.servedVersion(STREAM, KeyValueBottleneckModel.LEARNER),
        "v2 swapped in, then v3 on its session");
    assertAnsweredBy(3, ask());

    serving.publish(kvbDelta(v2, 4));
    assertEquals(List.of(), builds, "a delta is served on the session of its base");
    assertAnsweredBy(4, ask());
    assertEquals(new HotSwaps(3, 3, 0), serving.registry.hotSwaps(),
        "v1, v2 and v3 closed; v4 still answers on the session v2 and v3 shared");
  }

  @Test
  void aSessionThatCannotBeBuiltIsDeadLetteredAndTheVersionBeforeStaysServed() {
    serving.publish(asHead(rotatingModel(1).snapshot(pixels, STREAM)));
    runBuilds();
    serving.punctuate();
    assertEquals(1, serving.registry.servedVersion(STREAM, HEAD));

    long offset = serving.nextOffset();
    ModelUpdate garbled = ModelUpdate.newBuilder(asHead(rotatingModel(2).snapshot(pixels, STREAM)))
        .setPortableModel(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
    serving.publish(garbled);
    runBuilds();
    serving.punctuate();

    List<DeadLetter> letters = serving.deadLetters();
    assertEquals(1, letters.size());
    assertEquals(DeadLetterReason.INTERNAL, letters.get(0).getReason(), letters.get(0).getError());
    assertEquals(offset, letters.get(0).getOffset(), "the letter names the update's record");
    assertEquals(1, serving.registry.servedVersion(STREAM, HEAD));
    Prediction answer = ask();
    assertEquals(1, answer.getModelVersion());
    assertEquals(rotatingModel(1).expect(probe(answer.getSequence())).label(), answer.getPredictedLabel());
  }

  /** A learner this serving knows only by its portable head: NMC's, under another name. */
  private static ModelUpdate asHead(ModelUpdate nmcSnapshot) {
    return ModelUpdate.newBuilder(nmcSnapshot).setLearner(HEAD).build();
  }

  private void runBuilds() {
    List<Runnable> now = new ArrayList<>(builds);
    builds.clear();
    now.forEach(Runnable::run);
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
