package dev.streamcl.serving;

import static dev.streamcl.serving.ServingFixtures.STREAM;
import static dev.streamcl.serving.ServingFixtures.image;
import static dev.streamcl.serving.ServingFixtures.rotatingModel;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.onnx.ComputeDevice;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A {@link ServingProcessor} restarted on the same state stores (what Kafka Streams does after a
 * rebalance or crash, restoring the stores from their changelogs) serves the model the stores hold.
 */
class ServingProcessorRestartTest {
  private static final byte[] PROBE = image(200, 30, 20, 10);

  private final Topics topics = new Topics("t");
  private final EncoderIdentity pixels = ServingFixtures.pixelsIdentity();
  private final EventCodec<ModelUpdate> updates = EventCodec.modelUpdates();
  private final ModelRegistry registry = new ModelRegistry();
  private final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
  private long offset;
  private ServingProcessor processor;

  @BeforeEach
  void addStores() {
    for (String name : List.of(ServingTopology.MODELS_STORE, ServingTopology.CHUNKS_STORE)) {
      KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
          Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
      store.init(context.getStateStoreContext(), store);
      context.addStateStore(store);
    }
  }

  @AfterEach
  void close() {
    if (processor != null) {
      processor.close();
    }
    registry.closeAll();
  }

  @Test
  void aRestartedProcessorServesTheModelItsStoreHolds() {
    start();
    publish(rotatingModel(1).snapshot(pixels, STREAM));
    publish(rotatingModel(2).snapshot(pixels, STREAM));
    restart();

    assertEquals(2, registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER));
    Prediction answer = ask(PROBE);
    assertEquals(2, answer.getModelVersion());
    assertEquals(rotatingModel(2).expect(PROBE).label(), answer.getPredictedLabel());
  }

  @Test
  void aStaleVersionArrivingLateIsNotWhatARestartServes() {
    start();
    publish(rotatingModel(3).snapshot(pixels, STREAM));
    publish(rotatingModel(2).snapshot(pixels, STREAM));
    restart();

    assertEquals(3, registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER));
    assertEquals(3, ask(PROBE).getModelVersion());
  }

  /**
   * Fails today: the corrupt v2 is dead-lettered, but ModelUpdateApplier stored it before
   * ServableModels rejected it, and ServingProcessor.init re-serves every stored model without a
   * guard, so the restart throws and the task cannot start again.
   */
  @Test
  void aDeadLetteredModelUpdateDoesNotBreakTheNextStart() {
    start();
    publish(rotatingModel(1).snapshot(pixels, STREAM));
    ModelUpdate v2 = rotatingModel(2).snapshot(pixels, STREAM);
    publish(ModelUpdate.newBuilder(v2).setClasses(List.of(0, 1, 2)).build()); // 3 classes but 4 rows: not a model
    List<DeadLetter> letters = deadLetters();
    assertEquals(1, letters.size());
    assertEquals(DeadLetterReason.MALFORMED, letters.get(0).getReason());

    processor.close();
    processor = new ServingProcessor(topics.modelUpdates().name(), ServingFixtures.PIXELS_2X2, ComputeDevice.cpu(), 10,
        registry);
    assertDoesNotThrow(() -> processor.init(context), "restart after a dead-lettered model update");

    assertEquals(1, registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER), "v1 is what was served");
    assertEquals(1, ask(PROBE).getModelVersion());
  }

  // ---------------------------------------------------------------- helpers

  private void start() {
    processor = new ServingProcessor(topics.modelUpdates().name(), ServingFixtures.PIXELS_2X2, ComputeDevice.cpu(), 10,
        registry);
    processor.init(context);
  }

  private void restart() {
    processor.close();
    assertEquals(0, registry.servedVersion(STREAM, NearestClassMeanModel.LEARNER), "close hands its streams back");
    start();
  }

  private void publish(ModelUpdate update) {
    context.setRecordMetadata(topics.modelUpdates().name(), 0, offset++);
    processor.process(new Record<>(Topics.modelKey(update.getStreamId(), update.getLearner()), updates.encode(update),
        ServingFixtures.BASE_TIME + offset));
  }

  private Prediction ask(byte[] pixels) {
    context.resetForwards();
    context.setRecordMetadata(topics.requests().name(), 0, offset++);
    processor.process(new Record<>(STREAM,
        EventCodec.samples().encode(ServingFixtures.request(STREAM, offset, null, 2, 2, pixels)),
        ServingFixtures.BASE_TIME + offset));
    List<byte[]> answers = context.forwarded(ServingTopology.PREDICTIONS_SINK).stream()
        .map(f -> f.record().value()).collect(Collectors.toList());
    assertEquals(1, answers.size(), "one answer");
    return EventCodec.predictions().decode(answers.get(0));
  }

  private List<DeadLetter> deadLetters() {
    return context.forwarded(ServingTopology.DEAD_LETTERS_SINK).stream()
        .map(f -> EventCodec.deadLetters().decode(f.record().value())).collect(Collectors.toList());
  }
}
