package dev.streamcl.serving;

import static dev.streamcl.serving.ServingFixtures.STREAM;
import static dev.streamcl.serving.ServingFixtures.image;
import static dev.streamcl.serving.ServingFixtures.rotatingModel;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A {@link ServingProcessor} restarted on the same state stores (what Kafka Streams does after a
 * rebalance or crash, restoring the stores from their changelogs) serves the model the stores hold.
 */
class ServingProcessorRestartTest {
  private static final byte[] PROBE = image(200, 30, 20, 10);

  private final EncoderIdentity pixels = ServingFixtures.pixelsIdentity();
  private final ProcessorHarness serving = ProcessorHarness.exactlyOnce();
  private long sequence;

  @AfterEach
  void close() {
    serving.close();
  }

  @Test
  void aRestartedProcessorServesTheModelItsStoreHolds() {
    serving.start();
    serving.publish(rotatingModel(1).snapshot(pixels, STREAM));
    serving.publish(rotatingModel(2).snapshot(pixels, STREAM));
    restart();

    assertEquals(2, serving.registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER));
    Prediction answer = ask(PROBE);
    assertEquals(2, answer.getModelVersion());
    assertEquals(rotatingModel(2).expect(PROBE).label(), answer.getPredictedLabel());
  }

  @Test
  void aStaleVersionArrivingLateIsNotWhatARestartServes() {
    serving.start();
    serving.publish(rotatingModel(3).snapshot(pixels, STREAM));
    serving.publish(rotatingModel(2).snapshot(pixels, STREAM));
    restart();

    assertEquals(3, serving.registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER));
    assertEquals(3, ask(PROBE).getModelVersion());
  }

  /**
   * The corrupt v2 is dead-lettered and never stored, so a restart re-serves v1 (the stored model it
   * once stored and re-served without a guard made the restart throw, and the task could not start again).
   */
  @Test
  void aDeadLetteredModelUpdateDoesNotBreakTheNextStart() {
    serving.start();
    serving.publish(rotatingModel(1).snapshot(pixels, STREAM));
    ModelUpdate v2 = rotatingModel(2).snapshot(pixels, STREAM);
    serving.publish(ModelUpdate.newBuilder(v2).setClasses(List.of(0, 1, 2)).build()); // 3 classes but 4 rows
    List<DeadLetter> letters = serving.deadLetters();
    assertEquals(1, letters.size());
    assertEquals(DeadLetterReason.MALFORMED, letters.get(0).getReason());

    serving.stop();
    assertDoesNotThrow(serving::start, "restart after a dead-lettered model update");

    assertEquals(1, serving.registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER), "v1 is what was served");
    assertEquals(1, ask(PROBE).getModelVersion());
  }

  private void restart() {
    serving.stop();
    assertEquals(0, serving.registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER),
        "close hands its streams back");
    serving.start();
  }

  /** One request, answered at the next commit. */
  private Prediction ask(byte[] probe) {
    serving.answers();
    serving.request(STREAM, sequence++, probe);
    serving.commit();
    List<Prediction> answers = serving.answers();
    assertEquals(1, answers.size(), "one answer");
    return answers.get(0);
  }
}
