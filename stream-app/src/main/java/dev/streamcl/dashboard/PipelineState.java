package dev.streamcl.dashboard;

import dev.streamcl.dashboard.DashboardState.AlertRow;
import dev.streamcl.dashboard.DashboardState.Alerts;
import dev.streamcl.dashboard.DashboardState.Curve;
import dev.streamcl.dashboard.DashboardState.DeadLetterGroup;
import dev.streamcl.dashboard.DashboardState.DeadLetters;
import dev.streamcl.dashboard.DashboardState.Drift;
import dev.streamcl.dashboard.DashboardState.Matrix;
import dev.streamcl.dashboard.DashboardState.MatrixRow;
import dev.streamcl.dashboard.DashboardState.ModelRow;
import dev.streamcl.dashboard.DashboardState.Throughput;
import dev.streamcl.events.Alert;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.SourceOffset;
import dev.streamcl.kafka.Topics;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the dashboard knows about one topic prefix, built from the events as they are read (in any order across
 * topics) and the offsets probed now and then. Every method takes the time it happens at, so a test can drive it
 * without a clock. Thread-safe: the watch feeds it while the server takes snapshots.
 */
public final class PipelineState {
  /** Labelled predictions in the prequential window: as the report's curves ({@code Demo.PREQUENTIAL_WINDOW}). */
  public static final int WINDOW = 1000;
  /** A curve starts with a point every this many labelled predictions and coarsens as it grows. */
  public static final int FIRST_STEP = 25;
  static final int MAX_POINTS = 400;
  /** Rates are measured over this span: several checkpoint commits, so bursts of output average out. */
  static final long RATE_SPAN_MS = 5_000;
  /** Rows of the samples/s chart: ten minutes at one tick per second. */
  static final int HISTORY = 600;
  static final int ALERTS_KEPT = 50;
  /** The samples/s series of the samples topic's end offsets. */
  public static final String PUBLISHED = "published";

  private final String topicPrefix;
  private final String samplesTopic;
  private final int window;
  private final int firstStep;
  private final Map<LearnerKey, LearnerView> learners = new TreeMap<>();
  /** Prequential predictions per learner over all streams, and their rate. */
  private final Map<String, Long> predictions = new TreeMap<>();
  private final Map<String, RateMeter> learnedRates = new TreeMap<>();
  private final RateMeter publishedRate = new RateMeter(RATE_SPAN_MS);
  private final ThroughputHistory history = new ThroughputHistory(HISTORY);
  private boolean readingBacklog;
  private Long lastTick;
  private Map<String, Long> countsAtLastTick = Map.of();
  private Map<Integer, PartitionTail> samplesTails = Map.of();
  private ServingLag serving;
  private final DeadLetterTally deadLetters = new DeadLetterTally();
  private final Deque<Alert> alerts = new ArrayDeque<>();
  private long alertCount;
  private long driftCount;
  private long undecodable;

  public PipelineState(Topics topics) {
    this(topics, WINDOW, FIRST_STEP);
  }

  /**
   * @param window labelled predictions in each prequential accuracy
   * @param firstStep labelled predictions between the points of a curve, until it coarsens
   */
  public PipelineState(Topics topics, int window, int firstStep) {
    this.topicPrefix = topics.prefix();
    this.samplesTopic = topics.samples().name();
    this.window = window;
    this.firstStep = firstStep;
  }

  /**
   * A model update written at {@code publishedAtMs} (its record's timestamp). A version counts once: the chunks of
   * one version after its first, and versions older than the newest (a redelivery), change nothing.
   */
  public synchronized void modelUpdate(ModelUpdate update, long publishedAtMs) {
    view(update.getStreamId(), update.getLearner()).took(update, publishedAtMs, samplesTopic);
  }

  /** A prediction; only the learner job's (prequential) ones count, labelled ones for accuracy. */
  public synchronized void prediction(Prediction prediction) {
    if (prediction.getSource() != PredictionSource.PREQUENTIAL) {
      return;
    }
    predictions.merge(prediction.getLearner(), 1L, Long::sum);
    if (prediction.getTrueLabel() != null) {
      view(prediction.getStreamId(), prediction.getLearner()).curve
          .add(prediction.getTrueLabel().equals(prediction.getPredictedLabel()));
    }
  }

  public synchronized void evalResult(EvalResult result) {
    view(result.getStreamId(), result.getLearner()).evaluation.add(result);
  }

  public synchronized void deadLetter(DeadLetter letter) {
    deadLetters.add(letter);
  }

  public synchronized void alert(Alert alert) {
    alerts.addFirst(alert);
    if (alerts.size() > ALERTS_KEPT) {
      alerts.removeLast();
    }
    alertCount++;
    driftCount += alert.getDrift() == null ? 0 : 1;
  }

  /** A record that was not an event of its topic's type (written by something else, or corrupt). */
  public synchronized void undecodable() {
    undecodable++;
  }

  /** The samples topic's partitions as read at {@code nowMs}: their end offsets and the records at their ends. */
  public synchronized void samplesTopic(Map<Integer, PartitionTail> partitions, long nowMs) {
    samplesTails = Map.copyOf(partitions);
    publishedRate.record(nowMs, partitions.values().stream().mapToLong(PartitionTail::end).sum());
  }

  /** Serving's lag on the requests topic; null when no serving group is running. */
  public synchronized void serving(ServingLag lag) {
    serving = lag;
  }

  /**
   * While the watch reads what was written before it started, arrivals say nothing about the pipeline's pace: no
   * learned rate is shown until it has caught up.
   */
  public synchronized void readingBacklog(boolean reading) {
    readingBacklog = reading;
  }

  /** Takes a reading of every rate and adds a row to the samples/s chart; once a second. */
  public synchronized void tick(long nowMs) {
    Map<String, Double> rates = new LinkedHashMap<>();
    rates.put(PUBLISHED, publishedRate.perSecond());
    if (readingBacklog) {
      learnedRates.clear();
    }
    predictions.forEach((learner, count) -> {
      if (readingBacklog) {
        rates.put(learner, null);
        return;
      }
      RateMeter meter = learnedRates.computeIfAbsent(learner, l -> {
        RateMeter fresh = new RateMeter(RATE_SPAN_MS);
        if (lastTick != null) { // a learner new since the last tick: it had made this many predictions then
          fresh.record(lastTick, countsAtLastTick.getOrDefault(l, 0L));
        }
        return fresh;
      });
      meter.record(nowMs, count);
      rates.put(learner, meter.perSecond());
    });
    history.add(nowMs, rates);
    lastTick = nowMs;
    countsAtLastTick = new HashMap<>(predictions);
  }

  public synchronized DashboardState snapshot(long nowMs) {
    List<ModelRow> models = new ArrayList<>();
    List<Curve> prequential = new ArrayList<>();
    List<Curve> testAccuracy = new ArrayList<>();
    List<Matrix> matrices = new ArrayList<>();
    learners.forEach((key, view) -> {
      models.add(view.row(key, nowMs, samplesTails));
      if (!view.curve.points().isEmpty()) {
        prequential.add(new Curve(key.stream(), key.learner(),
            view.curve.points().stream().map(PrequentialCurve.Point::labelled).toList(),
            view.curve.points().stream().map(PrequentialCurve.Point::accuracy).toList()));
      }
      Map<Long, Double> tested = view.evaluation.overall();
      if (!tested.isEmpty()) {
        testAccuracy.add(new Curve(key.stream(), key.learner(), List.copyOf(tested.keySet()),
            List.copyOf(tested.values())));
      }
      if (!view.evaluation.rows().isEmpty()) {
        matrices.add(matrix(key, view.evaluation));
      }
    });
    Map<String, Double> learned = new TreeMap<>();
    learnedRates.forEach((learner, meter) -> learned.put(learner, meter.perSecond()));
    Throughput throughput = new Throughput(history.times(), history.series(), publishedRate.perSecond(), learned);
    List<DeadLetterGroup> groups = deadLetters.groups().stream().map(g -> new DeadLetterGroup(g.stage(), g.error(),
        g.reason(), g.count(), g.newestAt(), g.example())).toList();
    return new DashboardState(topicPrefix, nowMs, models, prequential, testAccuracy, matrices, throughput, serving,
        new DeadLetters(deadLetters.total(), groups), new Alerts(alertCount, driftCount,
            alerts.stream().map(PipelineState::alertRow).toList()), undecodable);
  }

  private LearnerView view(String stream, String learner) {
    return learners.computeIfAbsent(new LearnerKey(stream, learner),
        k -> new LearnerView(new PrequentialCurve(window, firstStep, MAX_POINTS)));
  }

  private static Matrix matrix(LearnerKey key, EvalTable evaluation) {
    List<Integer> tasks = evaluation.testTasks();
    List<MatrixRow> rows = evaluation.rows().stream().map(row -> new MatrixRow(row.trainedThroughTask(),
        row.version(), tasks.stream().map(task -> row.accuracy().get(task)).toList())).toList();
    return new Matrix(key.stream(), key.learner(), tasks, rows);
  }

  private static AlertRow alertRow(Alert alert) {
    dev.streamcl.events.Drift d = alert.getDrift();
    Drift drift = d == null ? null : new Drift(d.getDetector(), d.getPosition(), d.getLabelledSeen(),
        d.getErrorBefore(), d.getErrorAfter(), d.getMagnitude(), d.getSamplesAfter());
    return new AlertRow(alert.getOccurredAt().toEpochMilli(), alert.getStreamId(), alert.getLearner(),
        alert.getSeverity().name(), alert.getMessage(), alert.getModelVersion(), drift);
  }

  /** One stream and learner: its newest version, prequential curve and evaluations. */
  private static final class LearnerView {
    final PrequentialCurve curve;
    final EvalTable evaluation = new EvalTable();
    long version;
    long versions;
    long publishedAt;
    long createdAt;
    long samplesSeen;
    long labelledSeen;
    /** Samples-topic partition to the offset of the last sample the newest version reflects. */
    Map<Integer, Long> reflected = Map.of();

    LearnerView(PrequentialCurve curve) {
      this.curve = curve;
    }

    void took(ModelUpdate update, long publishedAtMs, String samplesTopic) {
      if (update.getModelVersion() <= version) {
        return;
      }
      version = update.getModelVersion();
      versions++;
      publishedAt = publishedAtMs;
      createdAt = update.getCreatedAt().toEpochMilli();
      samplesSeen = update.getSamplesSeen();
      labelledSeen = update.getLabelledSeen();
      Map<Integer, Long> offsets = new HashMap<>();
      for (SourceOffset offset : update.getSourceOffsets()) {
        if (offset.getTopic().equals(samplesTopic)) {
          offsets.merge(offset.getPartition(), offset.getOffset(), Math::max);
        }
      }
      reflected = offsets;
    }

    ModelRow row(LearnerKey key, long nowMs, Map<Integer, PartitionTail> samplesTails) {
      boolean published = version > 0;
      var tested = evaluation.newest();
      return new ModelRow(key.stream(), key.learner(), version, versions, published ? publishedAt : null,
          published ? Math.max(0, nowMs - publishedAt) : null, published ? createdAt : null, samplesSeen,
          labelledSeen, curve.windowAccuracy(), curve.labelled(), tested.map(Map.Entry::getKey).orElse(null),
          tested.map(Map.Entry::getValue).orElse(null), lag(samplesTails));
    }

    /** Records on the partitions the newest version read from after what it reflects; null before either is known. */
    private Long lag(Map<Integer, PartitionTail> samplesTails) {
      if (reflected.isEmpty() || samplesTails.isEmpty()) {
        return null;
      }
      long lag = 0;
      for (Map.Entry<Integer, Long> offset : reflected.entrySet()) {
        PartitionTail tail = samplesTails.get(offset.getKey());
        lag += tail == null ? 0 : tail.recordsAfter(offset.getValue());
      }
      return lag;
    }
  }
}
