package dev.streamcl.serving;

import dev.streamcl.bench.OpenLoopRequester;
import dev.streamcl.bench.ServedAnswers.Answer;
import dev.streamcl.events.Prediction;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

/**
 * What {@link SwapUnderLoadTest} found: requests not answered exactly once per learner as the answering
 * version must answer (count, first ten), answers whose version went back (count, first ten), and each
 * request's latency from when it was due to when its last answer became readable (0: failed).
 */
record SwapVerdict(int failedCount, List<String> failed, int backCount, List<String> versionsBack,
    long[] latencyNanos, List<Answer> answers) {
  /** Checks every request's answers: one per learner of {@code sortedLearners}, each as its version answers. */
  static SwapVerdict of(OpenLoopRequester requester, List<Answer> answers, List<String> sortedLearners) {
    Map<Long, List<Answer>> bySequence = answers.stream()
        .collect(Collectors.groupingBy(a -> a.prediction().getSequence()));
    List<String> failed = new ArrayList<>();
    long[] latencyNanos = new long[(int) requester.sent()];
    for (long seq = 0; seq < requester.sent(); seq++) {
      List<Answer> mine = bySequence.getOrDefault(seq, List.of());
      String problem = problem(requester, seq, mine, sortedLearners);
      if (problem != null) {
        failed.add(problem);
      } else {
        long readable = mine.stream().mapToLong(Answer::receivedNanos).max().orElseThrow();
        latencyNanos[(int) seq] = readable - requester.dueNanos(seq);
      }
    }
    List<String> back = versionsBack(answers);
    return new SwapVerdict(failed.size(), firstTen(failed), back.size(), firstTen(back), latencyNanos, answers);
  }

  /** What is wrong with a request's answers, or null: one answer per learner, each as its version answers. */
  private static String problem(OpenLoopRequester requester, long seq, List<Answer> answers, List<String> learners) {
    List<String> answered = answers.stream().map(a -> a.prediction().getLearner()).sorted().toList();
    if (!answered.equals(learners)) {
      return "request " + seq + " answered by " + answered;
    }
    for (Answer answer : answers) {
      Prediction p = answer.prediction();
      long version = p.getModelVersion();
      int expected = p.getLearner().equals(NearestClassMeanModel.LEARNER)
          ? ServingFixtures.rotatingModel(version).expect(ServingFixtures.probe(seq)).label()
          : ServingFixtures.kvbLabel(version);
      if (!p.getStreamId().equals(requester.stream(seq)) || p.getPredictedLabel() == null
          || p.getPredictedLabel() != expected) {
        return "request " + seq + ": " + p.getLearner() + " v" + version + " answered " + p.getPredictedLabel()
            + " for stream " + p.getStreamId() + ", v" + version + " answers " + expected;
      }
    }
    return null;
  }

  /**
   * Answers in the order serving produced them (per partition, by offset), per stream and learner: each
   * answers a later request than the one before, with the same version or a newer one.
   */
  private static List<String> versionsBack(List<Answer> answers) {
    List<Answer> produced = new ArrayList<>(answers);
    produced.sort(Comparator.comparingInt(Answer::partition).thenComparingLong(Answer::offset));
    Map<String, Prediction> previous = new HashMap<>();
    List<String> back = new ArrayList<>();
    for (Answer answer : produced) {
      Prediction p = answer.prediction();
      Prediction before = previous.put(p.getStreamId() + "/" + p.getLearner(), p);
      if (before != null
          && (p.getModelVersion() < before.getModelVersion() || p.getSequence() <= before.getSequence())) {
        back.add(p.getStreamId() + "/" + p.getLearner() + ": request " + p.getSequence() + " got v"
            + p.getModelVersion() + " after request " + before.getSequence() + " got v" + before.getModelVersion());
      }
    }
    return back;
  }

  private static List<String> firstTen(List<String> problems) {
    return problems.subList(0, Math.min(10, problems.size()));
  }

  /** p50/p99/p99.9 in ms of the answered requests whose sequence {@code window} accepts. */
  String percentiles(LongPredicate window) {
    long[] sorted = new long[latencyNanos.length];
    int n = 0;
    for (int seq = 0; seq < latencyNanos.length; seq++) {
      if (window.test(seq) && latencyNanos[seq] > 0) {
        sorted[n++] = latencyNanos[seq];
      }
    }
    Arrays.sort(sorted, 0, n);
    return String.format("%.1f/%.1f/%.1f", rank(sorted, n, 0.50), rank(sorted, n, 0.99), rank(sorted, n, 0.999));
  }

  /** The versions that answered requests {@code from} (inclusive) to {@code to}, per stream and learner. */
  Map<String, Set<Long>> versions(long from, long to) {
    Map<String, Set<Long>> versions = new TreeMap<>();
    for (Answer a : answers) {
      Prediction p = a.prediction();
      if (p.getSequence() >= from && p.getSequence() < to) {
        versions.computeIfAbsent(p.getStreamId() + "/" + p.getLearner(), k -> new TreeSet<>())
            .add(p.getModelVersion());
      }
    }
    return versions;
  }

  /** How many versions answered requests {@code from} to {@code to}, per stream and learner. */
  Map<String, Integer> versionCounts(long from, long to) {
    Map<String, Integer> counts = new TreeMap<>();
    versions(from, to).forEach((model, set) -> counts.put(model, set.size()));
    return counts;
  }

  /** Nearest-rank percentile in ms. */
  private static double rank(long[] sorted, int n, double quantile) {
    if (n == 0) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(quantile * n) - 1;
    return sorted[Math.max(0, index)] / 1e6;
  }
}
