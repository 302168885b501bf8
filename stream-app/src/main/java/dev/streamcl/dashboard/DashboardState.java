package dev.streamcl.dashboard;

import java.util.List;
import java.util.Map;

/**
 * What the page shows, as one JSON document ({@code /state.json} and each server-sent event). Times are epoch
 * milliseconds; null means not known yet.
 *
 * @param models newest version and its figures per stream and learner
 * @param prequential windowed prequential accuracy over labelled samples, per stream and learner
 * @param testAccuracy whole-test-set accuracy per evaluated version, per stream and learner
 * @param matrices accuracy matrices so far (learners evaluated on a scenario with task boundaries)
 * @param undecodable records on the followed topics that were not events of their topic's type
 */
public record DashboardState(String topicPrefix, long now, List<ModelRow> models, List<Curve> prequential,
    List<Curve> testAccuracy, List<Matrix> matrices, Throughput throughput, ServingLag serving,
    DeadLetters deadLetters, Alerts alerts, long undecodable) {

  /**
   * One stream and learner. {@code publishedAt} is when its newest version was written to Kafka (the record's
   * timestamp), which {@code ageMs} counts from; {@code createdAt} is the event time of the newest sample it learned.
   * {@code learnerLag}: records of the samples topic after the offsets its newest version reflects.
   */
  public record ModelRow(String stream, String learner, long version, long versions, Long publishedAt, Long ageMs,
      Long createdAt, long samplesSeen, long labelledSeen, Double prequentialAccuracy, long labelled,
      Long testedVersion, Double testAccuracy, Long learnerLag) {}

  /** A chart series: {@code y[i]} at {@code x[i]}. */
  public record Curve(String stream, String learner, List<Long> x, List<Double> y) {}

  /** Rows: the newest evaluated version trained through each task; columns: {@code tasks}. */
  public record Matrix(String stream, String learner, List<Integer> tasks, List<MatrixRow> rows) {}

  /** Accuracy per test task, in the order of the matrix's tasks; null where not evaluated. */
  public record MatrixRow(int trainedThroughTask, long version, List<Double> accuracy) {}

  /**
   * Samples per second over time ({@code times}, one value per series per time): {@code published} into the samples
   * topic (its end offsets), and learned per learner (its prequential predictions, all streams).
   */
  public record Throughput(List<Long> times, Map<String, List<Double>> series, Double published,
      Map<String, Double> learned) {}

  public record DeadLetters(long total, List<DeadLetterGroup> groups) {}

  /** Dead letters of one stage whose errors begin alike. */
  public record DeadLetterGroup(String stage, String error, String reason, long count, long newestAt,
      String example) {}

  /** Counts since the first alert, and the newest alerts, newest first. */
  public record Alerts(long total, long drift, List<AlertRow> newest) {}

  public record AlertRow(long occurredAt, String stream, String learner, String severity, String message,
      long modelVersion, Drift drift) {}

  /** Where the detector found the change in prequential error, and how large it was. */
  public record Drift(String detector, long position, long labelledSeen, double errorBefore, double errorAfter,
      double magnitude, long samplesAfter) {}
}
