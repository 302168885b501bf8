package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.ops.KafkaBrokerExtension;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * About 1 % poison pills of every kind spread through more than 20,000 sample records of two streams:
 * every pill is dead-lettered once with its own reason, and every valid record is predicted once and
 * learned (the final NMC models hold exactly the valid records' class sums and counts).
 */
@ExtendWith(KafkaBrokerExtension.class)
class PoisonPillJobTest {
  private static final List<String> STREAMS = List.of("north", "south");
  private static final int PER_STREAM = 10_200;
  private static final int MAX_PAYLOAD = 16 * 1024;
  private static final int PUBLISH_EVERY = 2_000;
  /** One pill at a random place in every block of this many records: 1 %. */
  private static final int PILL_EVERY = 100;

  private final Map<String, Poison> poisonAt = new HashMap<>();
  private final Map<String, Set<Long>> validSequences = new HashMap<>();
  private final Map<String, ClassSums> expectedSums = new HashMap<>();

  @Test
  void everyPillIsDeadLetteredWithItsReasonAndEveryValidRecordIsLearned() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("poison"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    LearnerJobRuns.createTopics(KafkaBrokerExtension.bootstrap(), topics.samples().name(), topics);
    publishWithPoisonMixedIn(clients, topics.samples().name());

    LearnerJobConfig config = LearnerJobRuns.imageJob().publishEvery(PUBLISH_EVERY).maxPayloadBytes(MAX_PAYLOAD)
        .learners(NearestClassMeanModel.LEARNER).build();
    long start = System.nanoTime();
    LearnerJobRuns.run(clients, topics.samples().name(), topics, config);
    long seconds = (System.nanoTime() - start) / 1_000_000_000L;

    List<DeadLetter> letters = Committed.events(clients, topics.deadLetters().name(), EventCodec.deadLetters());
    List<Prediction> predictions = Committed.events(clients, topics.predictions().name(), EventCodec.predictions());
    Map<String, DeadLetterReason> lettered = new HashMap<>();
    int duplicatedLetters = 0;
    int wrongReason = 0;
    for (DeadLetter letter : letters) {
      String at = at(letter.getPartition(), letter.getOffset());
      duplicatedLetters += lettered.put(at, letter.getReason()) == null ? 0 : 1;
      Poison injected = poisonAt.get(at);
      wrongReason += injected != null && injected.reason() != letter.getReason() ? 1 : 0;
      assertFalse(letter.getError().isBlank(), "a dead letter says what was wrong");
    }
    Set<String> predicted = new HashSet<>();
    int duplicatedPredictions = 0;
    for (Prediction prediction : predictions) {
      duplicatedPredictions += predicted.add(prediction.getStreamId() + "/" + prediction.getSequence()) ? 0 : 1;
    }
    long validCount = validSequences.values().stream().mapToLong(Set::size).sum();
    long lostPills = poisonAt.keySet().stream().filter(at -> !lettered.containsKey(at)).count();
    long lostValid = validSequences.entrySet().stream()
        .mapToLong(e -> e.getValue().stream().filter(seq -> !predicted.contains(e.getKey() + "/" + seq)).count()).sum();
    long validLettered = lettered.keySet().stream().filter(at -> !poisonAt.containsKey(at)).count();

    FaultLines.append(String.format("poison pills: injected %d, lost %d, duplicated %d (1 %% of %,d records, by "
        + "kind %s; dead letters by reason %s, %d with a wrong reason, %d valid records dead-lettered; %,d valid "
        + "records predicted once and learned; the job took %d s)", poisonAt.size(), lostPills + lostValid,
        duplicatedLetters + duplicatedPredictions, poisonAt.size() + validCount, injectedPerKind(), perReason(letters),
        wrongReason, validLettered, predicted.size(), seconds));
    assertEquals(injectedPerReason(), perReason(letters), "dead letters per reason equal the injected pills");
    assertEquals(0, lostPills + lostValid, "lost");
    assertEquals(0, duplicatedLetters + duplicatedPredictions, "duplicated");
    assertEquals(0, wrongReason, "dead letters with another reason than their pill's");
    assertEquals(0, validLettered, "valid records dead-lettered");
    assertEquals(validCount, predictions.size(), "one prediction per valid record");
    assertEveryValidRecordLearned(clients, topics);
  }

  /** The final version of each stream's NMC holds exactly the valid records' class sums and counts. */
  private void assertEveryValidRecordLearned(ClientConfigs clients, Topics topics) {
    Map<String, ModelUpdate> last = new HashMap<>();
    for (ModelUpdate update : Committed.events(clients, topics.modelUpdates().name(), EventCodec.modelUpdates())) {
      last.merge(update.getStreamId(), update, (a, b) -> b.getModelVersion() > a.getModelVersion() ? b : a);
    }
    for (String stream : STREAMS) {
      ModelUpdate model = last.get(stream);
      assertEquals(validSequences.get(stream).size(), model.getLabelledSeen(), "labelled samples learned by " + stream);
      assertEquals(validSequences.get(stream).size(), model.getSamplesSeen(), "samples seen by " + stream);
      expectedSums.get(stream).assertMatches(NearestClassMeanModel.fromUpdate(model));
    }
  }

  /**
   * Both streams interleaved, one pill at a random place in every 100 records, the kinds taken in turn so
   * each appears many times; pills are remembered by the offset the broker gave them.
   */
  private void publishWithPoisonMixedIn(ClientConfigs clients, String topic) throws Exception {
    EventCodec<Sample> codec = EventCodec.samples();
    Random random = new Random(10);
    Poison[] kinds = Poison.values();
    int nextKind = 0;
    Map<Future<RecordMetadata>, Poison> pills = new HashMap<>();
    try (SampleProducer producer = new SampleProducer(clients, topic)) {
      int pillAt = -1;
      for (int seq = 0; seq < PER_STREAM; seq++) {
        for (String stream : STREAMS) {
          int record = seq * STREAMS.size() + STREAMS.indexOf(stream);
          if (record % PILL_EVERY == 0) {
            pillAt = record + random.nextInt(PILL_EVERY);
          }
          if (record == pillAt) {
            Poison pill = kinds[nextKind++ % kinds.length];
            pills.put(producer.send(stream, pill.value(stream, seq, random, MAX_PAYLOAD)), pill);
          } else {
            int label = random.nextInt(10);
            byte[] pixels = TestSamples.pixels(label, random);
            producer.send(stream, codec.encode(TestSamples.image(stream, seq, label, pixels)));
            validSequences.computeIfAbsent(stream, s -> new HashSet<>()).add((long) seq);
            expectedSums.computeIfAbsent(stream, s -> new ClassSums())
                .add(label, TestSamples.normalisedFeature(pixels));
          }
        }
      }
    }
    for (Map.Entry<Future<RecordMetadata>, Poison> pill : pills.entrySet()) {
      RecordMetadata metadata = pill.getKey().get();
      poisonAt.put(at(metadata.partition(), metadata.offset()), pill.getValue());
    }
    assertTrue(poisonAt.size() >= 200, "at least 200 pills, got " + poisonAt.size());
  }

  private Map<Poison, Integer> injectedPerKind() {
    Map<Poison, Integer> kinds = new EnumMap<>(Poison.class);
    poisonAt.values().forEach(kind -> kinds.merge(kind, 1, Integer::sum));
    return kinds;
  }

  private Map<DeadLetterReason, Integer> injectedPerReason() {
    Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
    poisonAt.values().forEach(kind -> reasons.merge(kind.reason(), 1, Integer::sum));
    return reasons;
  }

  private static Map<DeadLetterReason, Integer> perReason(List<DeadLetter> letters) {
    Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
    letters.forEach(letter -> reasons.merge(letter.getReason(), 1, Integer::sum));
    return reasons;
  }

  private static String at(int partition, long offset) {
    return partition + "@" + offset;
  }
}
