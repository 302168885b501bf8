package dev.streamcl.evaluation;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.EvalResult;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Sample;
import dev.streamcl.flink.PublishProgress;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.ServableModel;
import dev.streamcl.learner.ServableModels;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.scenario.Scenarios;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Replays a scenario's test topic from offset 0 through published model versions and writes
 * per-task accuracy as {@link EvalResult}s. Evaluation points are the last version trained through
 * each task (a row of the accuracy matrix), every K-th version and each learner's newest. The test set is
 * encoded once per encoder identity and kept; every version is evaluated through the same servable models
 * serving uses.
 */
public final class Evaluator implements AutoCloseable {
  private static final int BATCH = 256;

  private final ClientConfigs clients;
  private final Topics topics;
  private final String scenario;
  private final EncoderSpec encoderSpec;
  private final int labelLimit;
  private final boolean sharpTaskBoundaries;
  /** The test set encoded by this evaluator's encoder, once, when first needed. */
  private TestSet testSet;
  private KafkaProducer<String, byte[]> producer;

  public Evaluator(ClientConfigs clients, Topics topics, String scenario, EncoderSpec encoderSpec, int labelLimit) {
    this.clients = clients;
    this.topics = topics;
    this.scenario = scenario;
    this.encoderSpec = encoderSpec;
    this.labelLimit = labelLimit;
    this.sharpTaskBoundaries = Scenarios.hasSharpTaskBoundaries(scenario);
  }

  /**
   * Evaluates the stream's learners at every evaluation point, writes the results to the eval topic and returns
   * them.
   */
  public List<EvalResult> evaluate(String streamId, int everyVersions) throws Exception {
    List<EvalResult> results = evaluateWithoutPublishing(streamId, everyVersions);
    publish(results);
    return results;
  }

  /** As {@link #evaluate} but writes nothing. */
  public List<EvalResult> evaluateWithoutPublishing(String streamId, int everyVersions) throws Exception {
    requirePositive(everyVersions);
    return evaluateVersions(streamId, topics.modelUpdates().name(),
        (update, isNewest, lastOfItsTask) ->
            isNewest || lastOfItsTask || update.getModelVersion() % everyVersions == 0);
  }

  static void requirePositive(int everyVersions) {
    if (everyVersions < 1) {
      throw new IllegalArgumentException("Evaluation every K versions needs K >= 1, got " + everyVersions);
    }
  }

  /** Accuracy of one whole version on each task of the test set and on all of it. */
  List<EvalResult> evaluateVersion(ModelUpdate whole) throws Exception {
    return evaluate(whole, testSetFor(whole));
  }

  String scenario() {
    return scenario;
  }

  /** Evaluates only the newest version of each learner of the stream; writes nothing. */
  public List<EvalResult> evaluateNewest(String streamId) throws Exception {
    return evaluateNewest(streamId, topics.modelUpdates().name());
  }

  /** As {@link #evaluateNewest(String)} for the versions on another model-updates topic (a replay's), same test set. */
  public List<EvalResult> evaluateNewest(String streamId, String modelUpdatesTopic) throws Exception {
    return evaluateVersions(streamId, modelUpdatesTopic, (update, isNewest, lastOfItsTask) -> isNewest);
  }

  /** Which whole versions to evaluate; {@code lastOfItsTask}: the next version learned from a later task. */
  interface EvaluationPoints {
    boolean includes(ModelUpdate whole, boolean isNewest, boolean lastOfItsTask);
  }

  private List<EvalResult> evaluateVersions(String streamId, String modelUpdatesTopic, EvaluationPoints points)
      throws Exception {
    List<EvalResult> results = new ArrayList<>();
    for (Map.Entry<String, List<ModelUpdate>> learner : updatesByLearner(streamId, modelUpdatesTopic).entrySet()) {
      List<ModelUpdate> versions = WholeModels.rebuild(learner.getValue());
      for (int i = 0; i < versions.size(); i++) {
        ModelUpdate whole = versions.get(i);
        boolean lastOfItsTask = i + 1 < versions.size() && endsItsTask(whole, versions.get(i + 1));
        if (points.includes(whole, i == versions.size() - 1, lastOfItsTask)) {
          results.addAll(evaluate(whole, testSetFor(whole)));
        }
      }
    }
    return results;
  }

  /** Whether {@code version} is the last one trained through its task: the next one learned from a later task. */
  static boolean endsItsTask(ModelUpdate version, ModelUpdate next) {
    return !Objects.equals(version.getProperties().get(PublishProgress.TRAINED_THROUGH_TASK),
        next.getProperties().get(PublishProgress.TRAINED_THROUGH_TASK));
  }

  /** Row of the accuracy matrix: the last task the version learned from, when the scenario's boundaries are sharp. */
  private Integer trainedThroughTask(ModelUpdate update) {
    String task = update.getProperties().get(PublishProgress.TRAINED_THROUGH_TASK);
    return sharpTaskBoundaries && task != null ? Integer.valueOf(task) : null;
  }

  private record TestSet(float[] features, int[] labels, int[] tasks, int dim, String encoderSha) {
    int size() {
      return labels.length;
    }
  }

  /** The encoded test set, for a version trained on this evaluator's encoder (checked before any encoding). */
  private TestSet testSetFor(ModelUpdate whole) throws Exception {
    if (testSet == null) {
      requireSameEncoder(whole, encoderIdentity().getSha256());
      testSet = encodedTestSet();
    }
    requireSameEncoder(whole, testSet.encoderSha());
    return testSet;
  }

  private EncoderIdentity encoderIdentity() throws Exception {
    try (Encoder encoder = encoderSpec.withDevice(ComputeDevice.cpu()).open()) {
      return encoder.identity();
    }
  }

  private static void requireSameEncoder(ModelUpdate whole, String sha256) {
    if (!whole.getEncoderIdentity().getSha256().equals(sha256)) {
      throw new IllegalStateException(whole.getLearner() + " v" + whole.getModelVersion() + " was trained on encoder "
          + whole.getEncoderIdentity().getName() + ": evaluate with the learner job's --encoder");
    }
  }

  private TestSet encodedTestSet() throws Exception {
    EventCodec<Sample> codec = EventCodec.samples();
    List<Sample> samples = new ArrayList<>();
    try (TopicReader reader = new TopicReader(clients, topics.test(scenario).name())) {
      reader.readAll().forEach(record -> samples.add(codec.decode(record.value())));
    }
    try (Encoder encoder = encoderSpec.open()) {
      SampleInputs inputs = SampleInputs.of(encoder, labelLimit);
      int dim = encoder.identity().getOutputDim();
      float[] features = new float[samples.size() * dim];
      int[] labels = new int[samples.size()];
      int[] tasks = new int[samples.size()];
      for (int from = 0; from < samples.size(); from += BATCH) {
        int n = Math.min(BATCH, samples.size() - from);
        float[] input = new float[n * inputs.inputSize()];
        for (int i = 0; i < n; i++) {
          Sample sample = samples.get(from + i);
          copy(inputs, sample, input, i * inputs.inputSize());
          labels[from + i] = sample.getLabel();
          tasks[from + i] = sample.getTaskId() == null ? 0 : sample.getTaskId();
        }
        System.arraycopy(encoder.encode(input, n), 0, features, from * dim, n * dim);
      }
      return new TestSet(features, labels, tasks, dim, encoder.identity().getSha256());
    }
  }

  private static void copy(SampleInputs inputs, Sample sample, float[] target, int offset) {
    try {
      inputs.copyInput(sample, target, offset);
    } catch (InvalidSampleException e) {
      throw new IllegalStateException("Test sample " + sample.getSequence() + " is unusable: " + e.getMessage(), e);
    }
  }

  private Map<String, List<ModelUpdate>> updatesByLearner(String streamId, String modelUpdatesTopic) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    Map<String, List<ModelUpdate>> byLearner = new TreeMap<>();
    try (TopicReader reader = new TopicReader(clients, modelUpdatesTopic)) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        ModelUpdate update = codec.decode(record.value());
        if (update.getStreamId().equals(streamId)) {
          byLearner.computeIfAbsent(update.getLearner(), l -> new ArrayList<>()).add(update);
        }
      }
    }
    return byLearner;
  }

  private List<EvalResult> evaluate(ModelUpdate whole, TestSet test) {
    Map<Integer, ClassTally> perTask = new TreeMap<>();
    ClassTally all = new ClassTally();
    try (ServableModel model = ServableModels.fromSnapshot(whole, encoderSpec.device())) {
      for (int from = 0; from < test.size(); from += BATCH) {
        int n = Math.min(BATCH, test.size() - from);
        float[] x = new float[n * test.dim()];
        System.arraycopy(test.features(), from * test.dim(), x, 0, n * test.dim());
        Predictions predictions = model.predict(x, n);
        for (int i = 0; i < n; i++) {
          int label = test.labels()[from + i];
          boolean correct = predictions.hasPrediction(i) && predictions.predictedLabel(i) == label;
          perTask.computeIfAbsent(test.tasks()[from + i], t -> new ClassTally()).add(label, correct);
          all.add(label, correct);
        }
      }
    }
    List<EvalResult> results = new ArrayList<>();
    perTask.forEach((task, tally) -> results.add(result(whole, task, tally)));
    results.add(result(whole, null, all));
    return results;
  }

  /** Correct answers and samples per class of one evaluated slice. */
  private static final class ClassTally {
    private final TreeMap<Integer, long[]> byClass = new TreeMap<>();

    void add(int label, boolean correct) {
      long[] counts = byClass.computeIfAbsent(label, l -> new long[2]);
      counts[0] += correct ? 1 : 0;
      counts[1]++;
    }

    long correct() {
      return byClass.values().stream().mapToLong(c -> c[0]).sum();
    }

    long count() {
      return byClass.values().stream().mapToLong(c -> c[1]).sum();
    }

    double macroAccuracy() {
      return byClass.values().stream().mapToDouble(c -> (double) c[0] / c[1]).average().orElse(0);
    }
  }

  private EvalResult result(ModelUpdate whole, Integer task, ClassTally tally) {
    long correct = tally.correct();
    long count = tally.count();
    return EvalResult.newBuilder().setStreamId(whole.getStreamId()).setLearner(whole.getLearner())
        .setModelVersion(whole.getModelVersion()).setScenario(scenario).setTestTopic(topics.test(scenario).name())
        .setTrainedThroughTask(trainedThroughTask(whole)).setTaskId(task).setCorrect(correct).setCount(count)
        .setAccuracy(count == 0 ? 0 : (double) correct / count).setSamplesSeen(whole.getSamplesSeen())
        .setCreatedAt(whole.getCreatedAt())
        .setMacroAccuracy(count == 0 ? null : tally.macroAccuracy())
        .setClassLabels(List.copyOf(tally.byClass.keySet()))
        .setClassCorrect(tally.byClass.values().stream().map(c -> c[0]).toList())
        .setClassCount(tally.byClass.values().stream().map(c -> c[1]).toList())
        .build();
  }

  /** Writes results to the eval topic, keyed by stream and learner. */
  public void publish(List<EvalResult> results) {
    if (producer == null) {
      producer = new KafkaProducer<>(clients.producer(null));
    }
    EventCodec<EvalResult> codec = EventCodec.evalResults();
    for (EvalResult result : results) {
      producer.send(new ProducerRecord<>(topics.eval().name(), Topics.modelKey(result.getStreamId(),
          result.getLearner()), codec.encode(result)));
    }
    producer.flush();
  }

  @Override
  public void close() {
    if (producer != null) {
      producer.close();
    }
  }

  /** Results of one learner, by version then task, for reports. */
  public static Map<Long, Map<Integer, Double>> byVersion(List<EvalResult> results, String learner) {
    Map<Long, Map<Integer, Double>> table = new TreeMap<>();
    for (EvalResult r : results) {
      if (r.getLearner().equals(learner) && r.getTaskId() != null) {
        table.computeIfAbsent(r.getModelVersion(), v -> new LinkedHashMap<>()).put(r.getTaskId(), r.getAccuracy());
      }
    }
    return table;
  }
}
