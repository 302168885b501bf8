package dev.streamcl.report;

import dev.streamcl.evaluation.ContinualMetrics;
import dev.streamcl.evaluation.EvalResults;
import dev.streamcl.evaluation.PrequentialAccuracy;
import dev.streamcl.events.Alert;
import dev.streamcl.events.Drift;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.MissingTopicException;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.report.ReportData.CurvePoint;
import dev.streamcl.report.ReportData.DriftMark;
import dev.streamcl.report.ReportData.LearnerReport;
import dev.streamcl.scenario.ScenarioPublisher;
import dev.streamcl.scenario.Scenarios;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Gathers a report from the topics alone: accuracy at evaluated versions and accuracy matrices from
 * the eval topic, prequential accuracy from the learner job's predictions, version counts from the
 * model updates. Anyone with the topics can rebuild it.
 */
public final class ReportBuilder {
  private final ClientConfigs clients;
  private final Topics topics;
  private final String scenario;
  private final int prequentialWindow;

  /** @param prequentialWindow labelled predictions in the sliding window of prequential accuracy */
  public ReportBuilder(ClientConfigs clients, Topics topics, String scenario, int prequentialWindow) {
    if (prequentialWindow < 1) {
      throw new IllegalArgumentException("the prequential window must hold at least one prediction");
    }
    this.clients = clients;
    this.topics = topics;
    this.scenario = scenario;
    this.prequentialWindow = prequentialWindow;
  }

  /** The report of one stream; samples/s comes from the newest learner jobs recorded on the runs topic. */
  public ReportData build(String streamId) {
    Map<String, Double> samplesPerSecond = Throughputs.newest(clients, topics);
    EvalResults evaluated = new EvalResults(read(topics.eval().name(), EventCodec.evalResults()).stream()
        .filter(r -> r.getScenario().equals(scenario)).toList(), streamId);
    if (evaluated.learners().isEmpty()) {
      throw new IllegalStateException("No evaluation results for stream " + streamId + " and scenario " + scenario
          + " in " + topics.eval().name() + ": run `streamcl evaluate " + scenario + "` first");
    }
    Map<String, List<Prediction>> predictions = prequentialPredictions(streamId);
    Map<String, Long> versions = versionCounts(streamId);
    Map<String, List<Drift>> drifts = drifts(streamId);
    List<LearnerReport> learners = new ArrayList<>();
    for (String learner : evaluated.learners()) {
      List<Prediction> learnerPredictions = predictions.getOrDefault(learner, List.of());
      learners.add(learnerReport(learner, evaluated, learnerPredictions, versions.getOrDefault(learner, 0L),
          samplesPerSecond.getOrDefault(learner, Double.NaN),
          driftMarks(drifts.getOrDefault(learner, List.of()), learnerPredictions)));
    }
    List<Long> taskStarts = Scenarios.hasSharpTaskBoundaries(scenario)
        ? taskStarts(predictions.values().stream().findFirst().orElse(List.of())) : List.of();
    return new ReportData("StreamCL — " + scenario + " on stream " + streamId, scenario, streamId, seed(), taskStarts,
        learners);
  }

  private LearnerReport learnerReport(String learner, EvalResults evaluated, List<Prediction> predictions,
      long versions, double samplesPerSecond, List<DriftMark> drifts) {
    List<CurvePoint> test = evaluated.overall(learner).stream()
        .map(r -> new CurvePoint(r.getSamplesSeen(), r.getAccuracy())).toList();
    var matrix = evaluated.accuracyMatrix(learner).orElse(null);
    double finalAccuracy = evaluated.newest(learner).map(EvalResult::getAccuracy).orElse(Double.NaN);
    double finalMacroAccuracy = evaluated.newest(learner).map(EvalResult::getMacroAccuracy).orElse(Double.NaN);
    return new LearnerReport(learner, test, prequentialCurve(predictions), matrix,
        matrix == null ? null : ContinualMetrics.summarize(matrix), finalAccuracy, finalMacroAccuracy,
        samplesPerSecond, versions, drifts);
  }

  /** Drift alerts of the stream per learner, in stream order; none when the run has no alerts topic. */
  private Map<String, List<Drift>> drifts(String streamId) {
    Map<String, List<Drift>> byLearner = new TreeMap<>();
    List<Alert> alerts;
    try {
      alerts = read(topics.alerts().name(), EventCodec.alerts());
    } catch (MissingTopicException e) {
      return byLearner;
    }
    for (Alert alert : alerts) {
      if (alert.getDrift() != null && alert.getStreamId().equals(streamId)) {
        byLearner.computeIfAbsent(alert.getLearner(), l -> new ArrayList<>()).add(alert.getDrift());
      }
    }
    byLearner.values().forEach(list -> list.sort(Comparator.comparingLong(Drift::getPosition)));
    return byLearner;
  }

  /** Each drift placed on the stream: the number of predictions up to the sample that revealed it. */
  private static List<DriftMark> driftMarks(List<Drift> drifts, List<Prediction> predictions) {
    long[] sequences = predictions.stream().mapToLong(Prediction::getSequence).toArray();
    return drifts.stream().map(d -> {
      int at = Arrays.binarySearch(sequences, d.getPosition());
      long seen = at >= 0 ? at + 1 : -at - 1;
      return new DriftMark(seen, d.getPosition(), d.getErrorBefore(), d.getErrorAfter());
    }).toList();
  }

  /** Sliding-window accuracy of the labelled predictions, a point every quarter window and at the end. */
  private List<CurvePoint> prequentialCurve(List<Prediction> predictions) {
    PrequentialAccuracy accuracy = new PrequentialAccuracy(prequentialWindow);
    int step = Math.max(1, prequentialWindow / 4);
    List<CurvePoint> curve = new ArrayList<>();
    long seen = 0;
    for (Prediction p : predictions) {
      seen++;
      if (p.getTrueLabel() == null) {
        continue;
      }
      accuracy.add(p.getTrueLabel().equals(p.getPredictedLabel()));
      if (accuracy.count() % step == 0 && accuracy.count() >= Math.min(prequentialWindow, step * 2L)) {
        curve.add(new CurvePoint(seen, accuracy.windowAccuracy()));
      }
    }
    if (accuracy.count() > 0 && (curve.isEmpty() || curve.get(curve.size() - 1).samplesSeen() != seen)) {
      curve.add(new CurvePoint(seen, accuracy.windowAccuracy()));
    }
    return curve;
  }

  /** Samples seen before the first sample of each new (higher) task id. */
  private static List<Long> taskStarts(List<Prediction> predictions) {
    List<Long> starts = new ArrayList<>();
    int highest = -1;
    for (int i = 0; i < predictions.size(); i++) {
      Integer task = predictions.get(i).getTaskId();
      if (task != null && task > highest) {
        if (highest >= 0) {
          starts.add((long) i);
        }
        highest = task;
      }
    }
    return starts;
  }

  /** The learner job's test-then-train predictions of the stream, per learner, in stream order. */
  private Map<String, List<Prediction>> prequentialPredictions(String streamId) {
    Map<String, List<Prediction>> byLearner = new TreeMap<>();
    for (Prediction p : read(topics.predictions().name(), EventCodec.predictions())) {
      if (p.getSource() == PredictionSource.PREQUENTIAL && p.getStreamId().equals(streamId)) {
        byLearner.computeIfAbsent(p.getLearner(), l -> new ArrayList<>()).add(p);
      }
    }
    byLearner.values().forEach(list -> list.sort(Comparator.comparingLong(Prediction::getSequence)));
    return byLearner;
  }

  private Map<String, Long> versionCounts(String streamId) {
    Map<String, Long> newest = new HashMap<>();
    for (ModelUpdate update : read(topics.modelUpdates().name(), EventCodec.modelUpdates())) {
      if (update.getStreamId().equals(streamId)) {
        newest.merge(update.getLearner(), update.getModelVersion(), Math::max);
      }
    }
    return newest;
  }

  /** The seed the scenario was published with, from the test topic's record headers. */
  private long seed() {
    try (TopicReader reader = new TopicReader(clients, topics.test(scenario).name())) {
      Map<org.apache.kafka.common.TopicPartition, Long> start = new HashMap<>();
      reader.endOffsets().keySet().forEach(tp -> start.put(tp, 0L));
      ConsumerRecord<String, byte[]> first = reader.readFrom(start, records -> !records.isEmpty(),
          Duration.ofSeconds(30), "a record of " + topics.test(scenario).name()).get(0);
      Header seed = first.headers().lastHeader(ScenarioPublisher.SEED_HEADER);
      return seed == null ? -1 : Long.parseLong(new String(seed.value(), StandardCharsets.UTF_8));
    }
  }

  private <T extends org.apache.avro.specific.SpecificRecord> List<T> read(String topic, EventCodec<T> codec) {
    List<T> events = new ArrayList<>();
    try (TopicReader reader = new TopicReader(clients, topic)) {
      reader.readAll().forEach(record -> events.add(codec.decode(record.value())));
    }
    return events;
  }
}
