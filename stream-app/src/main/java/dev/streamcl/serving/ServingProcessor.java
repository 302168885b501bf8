package dev.streamcl.serving;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.LabelScore;
import dev.streamcl.events.MalformedEventException;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.Sample;
import dev.streamcl.ingest.DeadLetters;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.ServableModel;
import dev.streamcl.learner.ServableModels;
import dev.streamcl.onnx.ComputeDevice;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.Cancellable;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one task's streams: model updates (co-partitioned with requests by stream id) hot-swap the
 * served models; requests are answered in micro-batches by every learner's current model of their stream,
 * each prediction carrying its {@code modelVersion}. Bad requests and updates become dead letters.
 *
 * <p>Requests are held until the batch is full, the next model update, the task's next commit
 * ({@link CommitFlush}) or the next punctuation ({@link #answerEvery}), whichever comes first: one encoder call
 * for the batch and one kernel call per stream and learner, and no answer is committed later than its
 * request's offset.
 * A new version whose session the version before can lend (NMC, KVB deltas) is swapped in at once; one that
 * needs a new ONNX session is built on {@code loader} while this thread goes on, and swapped in when ready;
 * requests of its stream that came after it wait for it, so a request is never answered by a version older
 * than one its stream had when the request came.
 */
final class ServingProcessor implements Processor<String, byte[], String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(ServingProcessor.class);
  /** Most requests answered in one kernel call. */
  static final int MAX_BATCH = 256;
  /** At least once, answers are readable once sent, so a request waits this long at most for a batch. */
  static final Duration AT_LEAST_ONCE_WAIT = Duration.ofMillis(2);

  private final String modelUpdatesTopic;
  private final EncoderSpec encoderSpec;
  private final ComputeDevice device;
  private final int labelLimit;
  private final ModelRegistry registry;
  private final Executor loader;

  private ProcessorContext<String, byte[]> context;
  private HeldForwards forwards;
  private ModelStore models;
  private ModelLoads loads;
  private CommitFlush commits;
  private Encoder encoder;
  private SampleInputs inputs;
  private RequestBatch batch;
  private Duration punctuationInterval;
  /** Scheduled only while requests are held or sessions are being built, see {@link #punctuateWhileWorkIsHeld}. */
  private Cancellable punctuation;
  private final Map<String, Slot> slots = new HashMap<>();
  private final Set<String> streamsOfThisTask = new HashSet<>();
  /** When the newest accepted update of each stream/learner was written to Kafka: a served model's age. */
  private final Map<String, Long> writtenAt = new HashMap<>();
  private final EventCodec<Sample> samples = EventCodec.samples();
  private final EventCodec<ModelUpdate> updates = EventCodec.modelUpdates();
  private final EventCodec<Prediction> predictions = EventCodec.predictions();
  private final EventCodec<DeadLetter> deadLetters = EventCodec.deadLetters();

  /**
   * What a stream's learner is served: the version installed, and the session being built (done when
   * {@code loading} completes) with the newest version that arrived meanwhile waiting.
   */
  private static final class Slot {
    final String streamId;
    ServableModel served;
    CompletableFuture<Void> loading;
    ModelUpdate waiting;
    UpdateSource waitingSource;

    Slot(String streamId) {
      this.streamId = streamId;
    }
  }

  /** One learner's answers for one stream's requests of a batch. */
  private record Scored(String learner, long version, Predictions predictions) {}

  ServingProcessor(String modelUpdatesTopic, EncoderSpec encoderSpec, ComputeDevice device, int labelLimit,
      ModelRegistry registry, Executor loader) {
    this.modelUpdatesTopic = modelUpdatesTopic;
    this.encoderSpec = encoderSpec;
    this.device = device;
    this.labelLimit = labelLimit;
    this.registry = registry;
    this.loader = loader;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    forwards = new HeldForwards(context);
    models = new ModelStore(context.getStateStore(ServingTopology.MODELS_STORE));
    loads = new ModelLoads(loader, device);
    encoder = encoderSpec.open();
    inputs = SampleInputs.of(encoder, labelLimit);
    batch = new RequestBatch(MAX_BATCH, inputs.inputSize());
    models.restore().forEach(this::serveRestored);
    commits = context.getStateStore(ServingTopology.COMMIT_FLUSH_STORE);
    commits.onCommit(() -> {
      answerHeld();
      // The commit answered what was held: no punctuation may stay to ask for another commit.
      forwards.asProcessor(this::punctuateWhileWorkIsHeld);
    }, batch::clear);
    punctuationInterval = answerEvery(context.appConfigs());
  }

  /**
   * A punctuation marks its task as needing a commit, and each commit sends the offsets of every input
   * partition; so an idle task must not punctuate: it would commit 100 times a second for nothing, and once
   * its requests topic is deleted each commit waits on the vanished partition instead of letting the
   * rebalance report the missing topic (and shut serving down).
   */
  private void punctuateWhileWorkIsHeld() {
    boolean workHeld = !batch.isEmpty() || slots.values().stream().anyMatch(slot -> slot.loading != null);
    if (workHeld && punctuation == null) {
      punctuation = context.schedule(punctuationInterval, PunctuationType.WALL_CLOCK_TIME, now -> {
        answerHeld();
        punctuateWhileWorkIsHeld();
      });
    } else if (!workHeld && punctuation != null) {
      punctuation.cancel();
      punctuation = null;
    }
  }

  /**
   * Under exactly-once an answer is readable only once its transaction commits, and every commit answers the
   * requests held first: holding them until then makes the largest batches at little cost in latency, and the
   * punctuation (at the commit interval) only swaps in sessions built while no record came. At least once,
   * answers are sent every {@link #AT_LEAST_ONCE_WAIT}.
   */
  static Duration answerEvery(Map<String, Object> configs) {
    boolean exactlyOnce = String.valueOf(configs.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG))
        .startsWith("exactly_once");
    Object commitMs = configs.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);
    long commitInterval = commitMs == null ? 100 : Long.parseLong(commitMs.toString());
    return exactlyOnce ? Duration.ofMillis(Math.max(1, Math.min(commitInterval, 100))) : AT_LEAST_ONCE_WAIT;
  }

  @Override
  public void process(Record<String, byte[]> record) {
    RecordMetadata source = context.recordMetadata().orElseThrow();
    if (source.topic().equals(modelUpdatesTopic)) {
      answerHeld(); // requests before an update are answered by the versions before it
      onModelUpdate(record, source);
    } else {
      onRequest(record, source);
    }
    punctuateWhileWorkIsHeld();
  }

  @Override
  public void close() {
    if (punctuation != null) {
      punctuation.cancel();
      punctuation = null;
    }
    if (commits != null) {
      commits.onCommit(() -> {}, () -> {});
    }
    if (loads != null) {
      loads.close();
    }
    streamsOfThisTask.forEach(registry::remove);
    if (encoder != null) {
      encoder.close();
    }
  }

  /** Answers the requests held, after swapping in the sessions built meanwhile. */
  private void answerHeld() {
    forwards.asProcessor(() -> {
      swapInLoaded();
      if (!batch.isEmpty()) {
        answerBatch();
      }
    });
  }

  private void onRequest(Record<String, byte[]> record, RecordMetadata source) {
    try {
      Sample request = samples.decode(record.value());
      int trueLabel = inputs.label(request);
      inputs.copyInput(request, batch.inputs(), batch.nextInputOffset());
      if (batch.add(request, trueLabel, record.timestamp(), forwards.recordContext())) {
        answerHeld();
      }
    } catch (MalformedEventException e) {
      deadLetter(record, source, "serve", DeadLetterReason.MALFORMED, e.getMessage());
    } catch (InvalidSampleException e) {
      deadLetter(record, source, "serve", e.reason(), e.getMessage());
    }
  }

  /**
   * One encoder call for the batch, then per stream one call of each of its models. A request is answered by
   * the versions its stream had when it came or newer ones: where one of them still has its session built,
   * the batch waits for it (this thread went on meanwhile, and other streams' versions never wait).
   */
  private void answerBatch() {
    awaitLoadsOfHeldStreams();
    int n = batch.size();
    float[] features = encoder.encode(batch.inputs(), n);
    int dim = features.length / n;
    Map<String, List<Integer>> rowsByStream = new LinkedHashMap<>();
    int[] rowInStream = new int[n];
    for (int i = 0; i < n; i++) {
      List<Integer> rows = rowsByStream.computeIfAbsent(batch.request(i).getStreamId(), s -> new ArrayList<>());
      rowInStream[i] = rows.size();
      rows.add(i);
    }
    Map<String, List<Scored>> scored = new HashMap<>();
    rowsByStream.forEach((stream, rows) -> {
      float[] streamFeatures = rows.size() == n ? features : rowsOf(features, rows, dim);
      scored.put(stream, registry.withModels(stream,
          model -> new Scored(model.learner(), model.version(), model.predict(streamFeatures, rows.size()))));
    });
    long answeredAt = System.currentTimeMillis();
    for (int i = 0; i < n; i++) {
      Sample request = batch.request(i);
      registry.metrics().answered(request.getStreamId(), batch.timestamp(i), answeredAt);
      List<Scored> answers = scored.get(request.getStreamId());
      if (answers.isEmpty()) {
        forwardAnswer(i, noModelYet(request, batch.trueLabel(i)));
      }
      for (Scored answer : answers) {
        forwardAnswer(i, answer(request, batch.trueLabel(i), answer, rowInStream[i]));
      }
    }
    batch.clear();
  }

  private void awaitLoadsOfHeldStreams() {
    Set<String> held = new HashSet<>();
    for (int i = 0; i < batch.size(); i++) {
      held.add(batch.request(i).getStreamId());
    }
    for (Slot slot : slots.values()) {
      while (held.contains(slot.streamId) && slot.loading != null) {
        slot.loading.join();
        swapInLoaded();
      }
    }
  }

  private static float[] rowsOf(float[] features, List<Integer> rows, int dim) {
    float[] gathered = new float[rows.size() * dim];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(features, rows.get(r) * dim, gathered, r * dim, dim);
    }
    return gathered;
  }

  private void forwardAnswer(int i, Prediction answer) {
    forwards.forward(batch.recordContext(i), new Record<>(answer.getStreamId(), predictions.encode(answer),
        batch.timestamp(i)), ServingTopology.PREDICTIONS_SINK);
  }

  // The all-fields constructor, not the builder: the builder copies every default and checks every field, per
  // answer.
  private Prediction answer(Sample request, int trueLabel, Scored scored, int row) {
    Predictions p = scored.predictions();
    return answer(request, trueLabel, scored.learner(), scored.version(),
        p.hasPrediction(row) ? p.predictedLabel(row) : null, p.labelScores(row));
  }

  private Prediction noModelYet(Sample request, int trueLabel) {
    return answer(request, trueLabel, "none", 0, null, List.of());
  }

  private static Prediction answer(Sample request, int trueLabel, String learner, long version, Integer predicted,
      List<LabelScore> topScores) {
    return new Prediction(request.getStreamId(), request.getSequence(), PredictionSource.SERVING, learner, version,
        predicted, topScores, trueLabel >= 0 ? trueLabel : null, request.getTaskId(), request.getEventTime());
  }

  /**
   * A model update that cannot be served is dead-lettered and never kept, so it cannot become a base. The
   * checks decode the whole model; only an ONNX session that fails to build later (off this thread) is
   * dead-lettered after its version was kept.
   */
  private void onModelUpdate(Record<String, byte[]> record, RecordMetadata source) {
    Optional<ModelStore.Candidate> accepted;
    Optional<ServableModel> onServedSession;
    Slot slot;
    try {
      accepted = models.accept(updates.decode(record.value()), record.value());
      if (accepted.isEmpty()) {
        return;
      }
      ModelUpdate whole = accepted.get().whole();
      writtenAt.put(Topics.modelKey(whole.getStreamId(), whole.getLearner()), record.timestamp());
      if (!whole.getEncoderIdentity().getSha256().equals(encoder.identity().getSha256())) {
        models.drop(accepted.get());
        deadLetter(record, source, "serve-model", DeadLetterReason.ENCODER_MISMATCH, "Model "
            + whole.getLearner() + " v" + whole.getModelVersion() + " was trained on encoder "
            + whole.getEncoderIdentity().getName() + " but this service encodes with "
            + encoder.identity().getName() + "; start serve with the learner job's --encoder");
        return;
      }
      slot = slot(whole);
      onServedSession = ServableModels.onSessionOf(slot.served, whole);
    } catch (MalformedEventException | IllegalArgumentException e) {
      deadLetter(record, source, "serve-model", DeadLetterReason.MALFORMED, e.getMessage()
          + " — the model update was skipped and the previous version stays served");
      return;
    }
    models.keep(accepted.get());
    if (onServedSession.isPresent()) {
      install(slot, onServedSession.get());
    } else {
      load(slot, accepted.get().whole(), new UpdateSource(source.topic(), source.partition(), source.offset(),
          record.key(), record.value(), forwards.recordContext()));
    }
  }

  private Slot slot(ModelUpdate whole) {
    return slots.computeIfAbsent(Topics.modelKey(whole.getStreamId(), whole.getLearner()),
        k -> new Slot(whole.getStreamId()));
  }

  private void install(Slot slot, ServableModel model) {
    streamsOfThisTask.add(slot.streamId);
    if (registry.swap(slot.streamId, model)) {
      slot.served = model;
      registry.metrics().swapped(slot.streamId, model.learner(), model.version(),
          writtenAt.getOrDefault(Topics.modelKey(slot.streamId, model.learner()), System.currentTimeMillis()));
    }
  }

  /** One session build per stream and learner at a time; the newest version arriving meanwhile waits. */
  private void load(Slot slot, ModelUpdate whole, UpdateSource source) {
    if (slot.loading != null) {
      slot.waiting = whole;
      slot.waitingSource = source;
      return;
    }
    slot.loading = loads.load(whole, source);
    forwards.asProcessor(this::swapInLoaded); // a loader on this thread has finished already
  }

  private void swapInLoaded() {
    for (ModelLoads.Loaded loaded : loads.ready()) {
      Slot slot = slot(loaded.whole());
      slot.loading = null;
      if (loaded.model() != null) {
        install(slot, loaded.model());
      } else {
        UpdateSource from = loaded.source();
        registry.metrics().deadLettered(DeadLetterReason.INTERNAL.name());
        forwardDeadLetter(from.recordContext(), DeadLetters.of(from.topic(), from.partition(), from.offset(),
            keyBytes(from.key()), from.value(), "serve-model", DeadLetterReason.INTERNAL, "Could not load the model: "
                + loaded.failure().getMessage() + " — the previous version stays served; check the serving host "
                + "(device, memory) and replay the update", Instant.now().toEpochMilli()), from.topic(),
            from.partition());
      }
      if (slot.waiting != null) {
        ModelUpdate next = slot.waiting;
        UpdateSource source = slot.waitingSource;
        slot.waiting = null;
        slot.waitingSource = null;
        serveWaiting(slot, next, source);
      }
    }
  }

  private void serveWaiting(Slot slot, ModelUpdate whole, UpdateSource source) {
    if (slot.served != null && slot.served.version() >= whole.getModelVersion()) {
      return;
    }
    Optional<ServableModel> onServedSession = ServableModels.onSessionOf(slot.served, whole);
    if (onServedSession.isPresent()) {
      install(slot, onServedSession.get());
    } else {
      load(slot, whole, source);
    }
  }

  /** Restores what the store held, at once; a model this version cannot serve is skipped, not fatal. */
  private void serveRestored(ModelUpdate whole) {
    try {
      install(slot(whole), ServableModels.fromSnapshot(whole, device));
    } catch (RuntimeException e) {
      LOG.warn("Stored model {}/{} v{} cannot be served and is skipped: {}", whole.getStreamId(),
          whole.getLearner(), whole.getModelVersion(), e.getMessage());
    }
  }

  private void deadLetter(Record<String, byte[]> record, RecordMetadata source, String stage,
      DeadLetterReason reason, String error) {
    DeadLetter letter = DeadLetters.of(source.topic(), source.partition(), source.offset(), keyBytes(record.key()),
        record.value(), stage, reason, error, Instant.now().toEpochMilli());
    registry.metrics().deadLettered(reason.name());
    context.forward(new Record<>(source.topic() + "/" + source.partition(), deadLetters.encode(letter),
        record.timestamp()), ServingTopology.DEAD_LETTERS_SINK);
  }

  private void forwardDeadLetter(Object recordContext, DeadLetter letter, String topic, int partition) {
    forwards.forward(recordContext, new Record<>(topic + "/" + partition, deadLetters.encode(letter),
        Instant.now().toEpochMilli()), ServingTopology.DEAD_LETTERS_SINK);
  }

  private static byte[] keyBytes(String key) {
    return key == null ? null : key.getBytes(StandardCharsets.UTF_8);
  }
}
