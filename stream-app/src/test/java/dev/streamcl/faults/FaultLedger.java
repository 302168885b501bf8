package dev.streamcl.faults;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a run with injected faults published (read_committed), counted against a failure-free run of
 * the same job on the same samples: records lost (in the reference, missing here) and duplicated
 * (seen twice here), for model updates (per model, version and chunk) and predictions (per stream,
 * learner and sequence), and whether every model's updates are byte-identical.
 */
record FaultLedger(long modelUpdateRecords, long predictions, long lost, long duplicated,
    List<String> differingModels) {
  /** Where every fault test appends its line; `.ci/run` prints the file after the tests. */
  static final Path SUMMARY = Path.of("target", "fault-injection.txt");

  static FaultLedger compare(ClientConfigs clients, Topics reference, Topics faulted) {
    Map<String, byte[]> expectedUpdates = new TreeMap<>();
    long[] lostAndDuplicated = new long[2];
    Map<String, byte[]> updates = new TreeMap<>();
    readUpdates(clients, reference, expectedUpdates, null);
    readUpdates(clients, faulted, updates, lostAndDuplicated);
    Map<String, String> expectedPredictions = new HashMap<>();
    Map<String, String> predictions = new HashMap<>();
    readPredictions(clients, reference, expectedPredictions, null);
    readPredictions(clients, faulted, predictions, lostAndDuplicated);
    Set<String> differing = new TreeSet<>();
    expectedUpdates.forEach((key, bytes) -> {
      byte[] actual = updates.get(key);
      if (actual == null) {
        lostAndDuplicated[0]++;
        differing.add(model(key));
      } else if (!Arrays.equals(bytes, actual)) {
        differing.add(model(key));
      }
    });
    updates.keySet().stream().filter(key -> !expectedUpdates.containsKey(key))
        .forEach(key -> differing.add(model(key)));
    expectedPredictions.forEach((key, answer) -> {
      if (!predictions.containsKey(key)) {
        lostAndDuplicated[0]++;
      } else if (!answer.equals(predictions.get(key))) {
        differing.add("prediction " + key);
      }
    });
    return new FaultLedger(updates.size(), predictions.size(), lostAndDuplicated[0], lostAndDuplicated[1],
        List.copyOf(differing));
  }

  /** {@code injected N, lost L, duplicated D} and the counts behind it; printed and appended to {@link #SUMMARY}. */
  String report(String kind, int injected) {
    String line = String.format("%s: injected %d, lost %d, duplicated %d (model-update records %,d, predictions %,d, "
        + "models differing from the failure-free run %d)", kind, injected, lost, duplicated, modelUpdateRecords,
        predictions, differingModels.size());
    System.out.println(line);
    append(line);
    return line;
  }

  static void append(String line) {
    try {
      Files.createDirectories(SUMMARY.toAbsolutePath().getParent());
      Files.writeString(SUMMARY, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void readUpdates(ClientConfigs clients, Topics topics, Map<String, byte[]> into, long[] counts) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    try (TopicReader reader = new TopicReader(clients, topics.modelUpdates().name())) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        ModelUpdate u = codec.decode(record.value());
        String key = u.getStreamId() + "/" + u.getLearner() + " v" + u.getModelVersion() + " chunk "
            + u.getChunkIndex();
        if (into.put(key, record.value()) != null && counts != null) {
          counts[1]++;
        }
      }
    }
  }

  private static void readPredictions(ClientConfigs clients, Topics topics, Map<String, String> into, long[] counts) {
    EventCodec<Prediction> codec = EventCodec.predictions();
    Set<String> seen = new HashSet<>();
    try (TopicReader reader = new TopicReader(clients, topics.predictions().name())) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        Prediction p = codec.decode(record.value());
        String key = p.getStreamId() + "/" + p.getLearner() + "#" + p.getSequence();
        if (!seen.add(key) && counts != null) {
          counts[1]++;
        }
        into.put(key, "v" + p.getModelVersion() + " label " + p.getPredictedLabel());
      }
    }
  }

  private static String model(String updateKey) {
    return updateKey.substring(0, updateKey.indexOf(' '));
  }
}
