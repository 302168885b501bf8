package dev.streamcl.dashboard;

import dev.streamcl.events.DeadLetter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Dead letters grouped by stage and the first words of their error. Numbers and quoted names are masked first, so
 * "Label 12 of stream 'a' ..." and "Label 40 of stream 'b' ..." count as one reason.
 */
final class DeadLetterTally {
  static final int WORDS = 6;

  /** One group: how many, the reason code of the newest, when the newest happened and its full error. */
  record Group(String stage, String error, String reason, long count, long newestAt, String example) {}

  private record Key(String stage, String words) {}

  private final Map<Key, Group> groups = new LinkedHashMap<>();
  private long total;

  void add(DeadLetter letter) {
    Key key = new Key(letter.getStage(), firstWords(letter.getError()));
    Group before = groups.get(key);
    long count = before == null ? 1 : before.count() + 1;
    groups.put(key, new Group(key.stage(), key.words(), letter.getReason().name(), count,
        letter.getOccurredAt().toEpochMilli(), letter.getError()));
    total++;
  }

  long total() {
    return total;
  }

  /** Largest groups first. */
  List<Group> groups() {
    return groups.values().stream()
        .sorted(Comparator.comparingLong(Group::count).reversed().thenComparing(Group::stage)
            .thenComparing(Group::error))
        .toList();
  }

  /** The error's first {@value #WORDS} words with digits shown as # and quoted text as '…', up to a colon. */
  static String firstWords(String error) {
    if (error == null || error.isBlank()) {
      return "(no error text)";
    }
    String masked = error.replaceAll("'[^']*'", "'…'").replaceAll("\"[^\"]*\"", "\"…\"").replaceAll("\\d+", "#");
    String clause = masked.split("[:;\\n]", 2)[0].strip();
    if (clause.isEmpty()) {
      clause = masked.strip();
    }
    String[] words = clause.split("\\s+");
    String first = Arrays.stream(words).limit(WORDS).collect(Collectors.joining(" "));
    String trimmed = first.replaceAll("[.,]+$", "");
    return words.length > WORDS ? trimmed + " …" : trimmed;
  }
}
