package dev.streamcl.serving;

import static dev.streamcl.serving.ServingFixtures.STREAM;
import static dev.streamcl.serving.ServingFixtures.probe;
import static dev.streamcl.serving.ServingFixtures.rotatingModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.Prediction;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Requests are held for a micro-batch and answered together — at the latest when the task commits, so no
 * answer is committed after its request's offset — in the order they came, each by the version its stream
 * was served when it came, as the nearest-mean reference computes.
 */
class RequestBatchingTest {
  private static final String OTHER = "other";

  private final EncoderIdentity pixels = ServingFixtures.pixelsIdentity();
  private final ProcessorHarness serving = ProcessorHarness.exactlyOnce().start();

  @AfterEach
  void close() {
    serving.close();
  }

  @Test
  void heldRequestsOfSeveralStreamsAreAnsweredInOrderWhenTheTaskCommits() {
    serving.publish(rotatingModel(1).snapshot(pixels, STREAM));
    serving.publish(rotatingModel(3).snapshot(pixels, OTHER));
    for (long seq = 0; seq < 12; seq++) {
      serving.request(seq % 3 == 0 ? OTHER : STREAM, seq, probe(seq));
    }
    assertEquals(List.of(), serving.answers(), "held until the commit");

    serving.commit();
    List<Prediction> answers = serving.answers();
    assertEquals(12, answers.size());
    for (int i = 0; i < 12; i++) {
      Prediction answer = answers.get(i);
      long version = i % 3 == 0 ? 3 : 1;
      assertEquals(i, answer.getSequence(), "answers in request order");
      assertEquals(i % 3 == 0 ? OTHER : STREAM, answer.getStreamId());
      assertEquals(version, answer.getModelVersion());
      assertEquals(rotatingModel(version).expect(probe(i)).label(), answer.getPredictedLabel(), "request " + i);
    }
  }

  @Test
  void aModelUpdateFirstAnswersTheRequestsHeldBeforeIt() {
    serving.publish(rotatingModel(1).snapshot(pixels, STREAM));
    serving.request(STREAM, 0, probe(0));
    serving.request(STREAM, 1, probe(1));
    serving.publish(rotatingModel(2).snapshot(pixels, STREAM));
    serving.request(STREAM, 2, probe(2));
    serving.commit();

    List<Prediction> answers = serving.answers();
    assertEquals(List.of(1L, 1L, 2L), answers.stream().map(Prediction::getModelVersion).toList());
    for (Prediction answer : answers) {
      assertEquals(rotatingModel(answer.getModelVersion()).expect(probe(answer.getSequence())).label(),
          answer.getPredictedLabel());
    }
  }

  @Test
  void aFullBatchIsAnsweredAtOnce() {
    serving.publish(rotatingModel(1).snapshot(pixels, STREAM));
    for (long seq = 0; seq < ServingProcessor.MAX_BATCH - 1; seq++) {
      serving.request(STREAM, seq, probe(seq));
    }
    assertEquals(List.of(), serving.answers());
    serving.request(STREAM, ServingProcessor.MAX_BATCH - 1, probe(ServingProcessor.MAX_BATCH - 1));

    List<Prediction> answers = serving.answers();
    assertEquals(ServingProcessor.MAX_BATCH, answers.size());
    answers.forEach(a -> assertEquals(rotatingModel(1).expect(probe(a.getSequence())).label(), a.getPredictedLabel()));
  }

  @Test
  void requestsHeldWhenATaskClosesWithoutACommitAreNotAnswered() {
    serving.publish(rotatingModel(1).snapshot(pixels, STREAM));
    serving.request(STREAM, 0, probe(0));
    serving.closeWithoutCommit(); // their offsets were not committed: they are processed again
    serving.commit();
    assertEquals(List.of(), serving.answers());

    serving.request(STREAM, 0, probe(0));
    serving.commit();
    assertEquals(1, serving.answers().size());
  }

  @Test
  void exactlyOnceHoldsRequestsUntilTheCommitAndAtLeastOnceForAFewMilliseconds() {
    assertEquals(Duration.ofMillis(10), ServingProcessor.answerEvery(
        Map.of("processing.guarantee", "exactly_once_v2", "commit.interval.ms", "10")));
    assertEquals(ServingProcessor.AT_LEAST_ONCE_WAIT, ServingProcessor.answerEvery(
        Map.of("processing.guarantee", "at_least_once", "commit.interval.ms", "30000")));
    assertTrue(ServingProcessor.AT_LEAST_ONCE_WAIT.toMillis() <= 5);

    try (ProcessorHarness atLeastOnce = new ProcessorHarness("at_least_once", Runnable::run).start()) {
      atLeastOnce.publish(rotatingModel(1).snapshot(pixels, STREAM));
      atLeastOnce.request(STREAM, 0, probe(0));
      atLeastOnce.punctuate();
      assertEquals(1, atLeastOnce.answers().size(), "answered at the punctuation, before any commit");
    }
  }
}
