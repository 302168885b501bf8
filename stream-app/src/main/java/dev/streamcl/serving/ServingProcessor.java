package dev.streamcl.serving;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.MalformedEventException;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import dev.streamcl.events.Sample;
import dev.streamcl.ingest.DeadLetters;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.ServableModel;
import dev.streamcl.learner.ServableModels;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one task's streams: model updates (co-partitioned with requests by stream id) hot-swap the
 * served models; each request is encoded once and answered by every learner's current model of its
 * stream, each prediction carrying its {@code modelVersion}. Bad requests become dead letters.
 */
final class ServingProcessor implements Processor<String, byte[], String, byte[]> {
  private static final Logger LOG = LoggerFactory.getLogger(ServingProcessor.class);

  private final String modelUpdatesTopic;
  private final EncoderSpec encoderSpec;
  private final ComputeDevice device;
  private final int labelLimit;
  private final ModelRegistry registry;

  private ProcessorContext<String, byte[]> context;
  private ModelUpdateApplier applier;
  private Encoder encoder;
  private SampleInputs inputs;
  private final Set<String> streamsOfThisTask = new HashSet<>();
  private final EventCodec<Sample> samples = EventCodec.samples();
  private final EventCodec<ModelUpdate> updates = EventCodec.modelUpdates();
  private final EventCodec<Prediction> predictions = EventCodec.predictions();
  private final EventCodec<DeadLetter> deadLetters = EventCodec.deadLetters();

  ServingProcessor(String modelUpdatesTopic, EncoderSpec encoderSpec, ComputeDevice device, int labelLimit,
      ModelRegistry registry) {
    this.modelUpdatesTopic = modelUpdatesTopic;
    this.encoderSpec = encoderSpec;
    this.device = device;
    this.labelLimit = labelLimit;
    this.registry = registry;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    applier = new ModelUpdateApplier(context.getStateStore(ServingTopology.MODELS_STORE),
        context.getStateStore(ServingTopology.CHUNKS_STORE));
    encoder = encoderSpec.open();
    inputs = new SampleInputs(encoder.inputShape(), labelLimit);
    applier.all().forEach(this::serveStored);
  }

  @Override
  public void process(Record<String, byte[]> record) {
    RecordMetadata source = context.recordMetadata().orElseThrow();
    if (source.topic().equals(modelUpdatesTopic)) {
      onModelUpdate(record, source);
    } else {
      onRequest(record, source);
    }
  }

  @Override
  public void close() {
    streamsOfThisTask.forEach(registry::remove);
    if (encoder != null) {
      encoder.close();
    }
  }

  /** A model update that cannot be served is dead-lettered and never stored, so it cannot become a base. */
  private void onModelUpdate(Record<String, byte[]> record, RecordMetadata source) {
    try {
      Optional<ModelUpdate> whole = applier.accept(updates.decode(record.value()));
      if (whole.isEmpty()) {
        return;
      }
      if (!whole.get().getEncoderIdentity().getSha256().equals(encoder.identity().getSha256())) {
        deadLetter(record, source, "serve-model", DeadLetterReason.ENCODER_MISMATCH, "Model "
            + whole.get().getLearner() + " v" + whole.get().getModelVersion() + " was trained on encoder "
            + whole.get().getEncoderIdentity().getName() + " but this service encodes with "
            + encoder.identity().getName() + "; start serve with the learner job's --encoder");
        return;
      }
      ServableModel servable = ServableModels.fromSnapshot(whole.get(), device);
      applier.commit(whole.get());
      serve(whole.get().getStreamId(), servable);
    } catch (MalformedEventException | IllegalArgumentException e) {
      deadLetter(record, source, "serve-model", DeadLetterReason.MALFORMED, e.getMessage()
          + " — the model update was skipped and the previous version stays served");
    } catch (RuntimeException e) {
      deadLetter(record, source, "serve-model", DeadLetterReason.INTERNAL, "Could not load the model: " + e.getMessage()
          + " — the previous version stays served; check the serving host (device, memory) and replay the update");
    }
  }

  private void serve(String streamId, ServableModel servable) {
    streamsOfThisTask.add(streamId);
    registry.swap(streamId, servable);
  }

  /** Restores what the store held; a model this version cannot serve is skipped, not fatal. */
  private void serveStored(ModelUpdate whole) {
    try {
      serve(whole.getStreamId(), ServableModels.fromSnapshot(whole, device));
    } catch (RuntimeException e) {
      LOG.warn("Stored model {}/{} v{} cannot be served and is skipped: {}", whole.getStreamId(),
          whole.getLearner(), whole.getModelVersion(), e.getMessage());
    }
  }

  private void onRequest(Record<String, byte[]> record, RecordMetadata source) {
    try {
      Sample request = samples.decode(record.value());
      int trueLabel = inputs.label(request);
      float[] input = new float[inputs.inputSize()];
      inputs.copyInput(request, input, 0);
      float[] features = encoder.encode(input, 1);
      List<Prediction> answers = registry.withModels(request.getStreamId(),
          model -> answer(request, trueLabel, model, features));
      if (answers.isEmpty()) {
        answers = List.of(noModelYet(request, trueLabel));
      }
      for (Prediction answer : answers) {
        context.forward(new Record<>(request.getStreamId(), predictions.encode(answer), record.timestamp()),
            ServingTopology.PREDICTIONS_SINK);
      }
    } catch (MalformedEventException e) {
      deadLetter(record, source, "serve", DeadLetterReason.MALFORMED, e.getMessage());
    } catch (InvalidSampleException e) {
      deadLetter(record, source, "serve", e.reason(), e.getMessage());
    }
  }

  private Prediction answer(Sample request, int trueLabel, ServableModel model, float[] features) {
    Predictions p = model.predict(features, 1);
    return base(request, trueLabel).setLearner(model.learner()).setModelVersion(model.version())
        .setPredictedLabel(p.hasPrediction(0) ? p.predictedLabel(0) : null).setTopScores(p.labelScores(0)).build();
  }

  private Prediction noModelYet(Sample request, int trueLabel) {
    return base(request, trueLabel).setLearner("none").setModelVersion(0).setPredictedLabel(null)
        .setTopScores(List.of()).build();
  }

  private static Prediction.Builder base(Sample request, int trueLabel) {
    return Prediction.newBuilder().setStreamId(request.getStreamId()).setSequence(request.getSequence())
        .setSource(PredictionSource.SERVING).setTrueLabel(trueLabel >= 0 ? trueLabel : null)
        .setTaskId(request.getTaskId()).setEventTime(request.getEventTime());
  }

  private void deadLetter(Record<String, byte[]> record, RecordMetadata source, String stage,
      DeadLetterReason reason, String error) {
    byte[] key = record.key() == null ? null : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    DeadLetter letter = DeadLetters.of(source.topic(), source.partition(), source.offset(), key, record.value(), stage,
        reason, error, Instant.now().toEpochMilli());
    context.forward(new Record<>(source.topic() + "/" + source.partition(),
        deadLetters.encode(letter), record.timestamp()), ServingTopology.DEAD_LETTERS_SINK);
  }
}
