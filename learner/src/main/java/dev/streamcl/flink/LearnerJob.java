package dev.streamcl.flink;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.events.Alert;
import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.events.LearnerThroughput;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.ingest.SampleInputs;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.OptionValues;
import dev.streamcl.learner.StateMerge;
import dev.streamcl.onnx.ComputeDevice;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The learner job: raw sample records → decode and check (bad ones to dead letters) → micro-batched
 * frozen encoder → key by stream → continual learners (test-then-train) → predictions and model
 * updates. Sources and sinks are constructor arguments so tests swap them; {@link KafkaLearnerJob}
 * wires the real Kafka ones.
 */
public final class LearnerJob {
  private final LearnerJobConfig config;
  private final Function<StreamExecutionEnvironment, DataStream<RawRecord>> source;
  private final Function<String, Sink<Prediction>> predictions;
  private final Sink<ModelUpdate> modelUpdates;
  private final Sink<DeadLetter> deadLetters;
  private final Sink<Alert> alerts;
  private final WarmupSupply warmupSupply;

  /**
   * {@code predictions} gives each learner a sink of its own (by learner name), chained to the learner's
   * operator: one prediction per sample and learner is the job's largest output, and a shared sink
   * would add a network hop with a serialization on each side for every one of them.
   */
  public LearnerJob(LearnerJobConfig config, Function<StreamExecutionEnvironment, DataStream<RawRecord>> source,
      Function<String, Sink<Prediction>> predictions, Sink<ModelUpdate> modelUpdates, Sink<DeadLetter> deadLetters,
      Sink<Alert> alerts) {
    this(config, source, predictions, modelUpdates, deadLetters, alerts, WarmupSupply.UNCOUNTED);
  }

  /** As above, with the warm-up samples each stream had in each warm-up topic when the job started. */
  public LearnerJob(LearnerJobConfig config, Function<StreamExecutionEnvironment, DataStream<RawRecord>> source,
      Function<String, Sink<Prediction>> predictions, Sink<ModelUpdate> modelUpdates, Sink<DeadLetter> deadLetters,
      Sink<Alert> alerts, WarmupSupply warmupSupply) {
    this.warmupSupply = warmupSupply;
    this.config = config;
    this.source = source;
    this.predictions = predictions;
    this.modelUpdates = modelUpdates;
    this.deadLetters = deadLetters;
    this.alerts = alerts;
  }

  /** Valid samples the job encoded and handed to its learners, from a finished job's accumulators. */
  public static long samplesIn(JobExecutionResult result) {
    Long count = result.getAccumulatorResult(MicroBatchEncoder.ENCODED_ACCUMULATOR);
    return count == null ? 0 : count;
  }

  /** Each learner operator's samples per busy second, from a finished job's accumulators. */
  public static List<LearnerThroughput> throughputs(JobExecutionResult result, String job, Instant finishedAt) {
    return LearnerBusyTime.of(result, job, finishedAt);
  }

  /**
   * Every record and state type of the job has explicit type information (Avro, POJOs, versioned
   * learner-state serializers): a type that would fall back to Kryo fails the job instead, since a
   * Kryo-serialised state breaks on a renamed class or an added field.
   */
  public static void forbidKryo(StreamExecutionEnvironment env) {
    Configuration noGenericTypes = new Configuration();
    noGenericTypes.set(PipelineOptions.GENERIC_TYPES, false);
    env.configure(noGenericTypes);
  }

  /** Adds the job's operators to {@code env}; the caller executes it. */
  public void build(StreamExecutionEnvironment env) throws Exception {
    env.getConfig().enableObjectReuse();
    forbidKryo(env);
    EncoderIdentity encoderIdentity;
    SampleInputs inputs;
    // Identity and input shape only: read on the CPU, so submitting needs no GPU on the client.
    try (Encoder encoder = config.encoder().withDevice(ComputeDevice.cpu()).open()) {
      encoderIdentity = encoder.identity();
      inputs = SampleInputs.of(encoder, config.labelLimit());
    }
    SingleOutputStreamOperator<ValidSample> samples = source.apply(env)
        .process(new SampleValidator(inputs, config.maxPayloadBytes()))
        .name("decode-and-check").uid("decode-and-check");

    SingleOutputStreamOperator<FeatureBatch> features = samples
        .transform("encode", new FeatureBatchTypeInfo(),
            new MicroBatchEncoder(config.encoder(), config.microBatchSize(), config.microBatchMaxDelayMs()))
        .uid("encode")
        // A batch of features spans several network buffers: send each at once rather than leave its last
        // buffer to the output flusher, which stalls the learners while the encoder waits for credit.
        .setBufferTimeout(0);

    Set<String> warmupTopics = new HashSet<>();
    List<ContinualLearner<?, ?>> plugins = new ArrayList<>();
    for (String name : config.learners()) {
      ContinualLearner<?, ?> learner = Learners.create(name, config.families(), encoderIdentity);
      plugins.add(learner);
      if (learner.warmup() != null && learner.warmup().topic() != null) {
        warmupTopics.add(learner.warmup().topic());
      }
    }
    List<DataStream<ModelUpdate>> updates = new ArrayList<>();
    List<DataStream<Alert>> alertStreams = new ArrayList<>();
    for (ContinualLearner<?, ?> learner : plugins) {
      DataStream<FeatureBatch> input = samplesFor(learner, features, warmupTopics);
      SingleOutputStreamOperator<Prediction> learned = config.streamParallelism() == 1
          ? learnEachStreamInOneSubtask(learner, input, updates)
          : learnEachStreamInShards(learner, input, env, updates, alertStreams);
      learned.sinkTo(predictions.apply(learner.name())).name("predictions-" + learner.name())
          .uid("predictions-sink-" + learner.name());
      alertStreams.add(learned.getSideOutput(OutputTags.ALERTS));
      if (config.driftDelta() > 0) {
        alertStreams.add(watchForDrift(learner, learned));
      }
    }
    DataStream<ModelUpdate> updateStream = updates.get(0);
    for (DataStream<ModelUpdate> more : updates.subList(1, updates.size())) {
      updateStream = updateStream.union(more);
    }
    DataStream<Alert> alertStream = alertStreams.get(0);
    for (DataStream<Alert> more : alertStreams.subList(1, alertStreams.size())) {
      alertStream = alertStream.union(more);
    }
    updateStream.map(JobProperties.stamp(config), new AvroTypeInfo<>(ModelUpdate.class)).name("record-job-config")
        .uid("record-job-config")
        .sinkTo(modelUpdates).name("model-updates").uid("model-updates-sink");
    samples.getSideOutput(OutputTags.DEAD_LETTERS)
        .union(features.getSideOutput(OutputTags.DEAD_LETTERS))
        .sinkTo(deadLetters).name("dead-letters").uid("dead-letters-sink");
    alertStream.sinkTo(alerts).name("alerts").uid("alerts-sink");
  }

  /** Each stream learned by one subtask, which publishes its versions. */
  private SingleOutputStreamOperator<Prediction> learnEachStreamInOneSubtask(ContinualLearner<?, ?> learner,
      DataStream<FeatureBatch> input, List<DataStream<ModelUpdate>> updates) {
    SingleOutputStreamOperator<Prediction> learned = input
        .keyBy(batch -> batch.streamId)
        .process(new LearnerFunction<>(learner, config.publishPolicy(), config.device(), warmupSupply),
            new AvroTypeInfo<>(Prediction.class))
        .name("learn-" + learner.name()).uid("learn-" + learner.name());
    updates.add(learned.getSideOutput(OutputTags.MODEL_UPDATES));
    return learned;
  }

  /**
   * Each stream spread over {@code --stream-parallelism} N subtasks: {@link StreamShards} deals its samples out and
   * cuts the versions, N {@link LearnerFunction#shard shards} learn, {@link ShardMerge} merges and publishes. The
   * operators' ids name N: state of another N cannot be restored into them.
   */
  private SingleOutputStreamOperator<Prediction> learnEachStreamInShards(ContinualLearner<?, ?> learner,
      DataStream<FeatureBatch> input, StreamExecutionEnvironment env, List<DataStream<ModelUpdate>> updates,
      List<DataStream<Alert>> alertStreams) {
    int shards = config.streamParallelism();
    if (learner.merge().kind() == StateMerge.Kind.NONE) {
      throw new OptionValues.InvalidOptionException(learner.name() + " cannot spread a stream over subtasks ("
          + learner.merge().rule() + "); run it with " + LearnerJobOptions.STREAM_PARALLELISM + " 1");
    }
    int maxParallelism = env.getMaxParallelism() > 0 ? env.getMaxParallelism()
        : KeyGroupRangeAssignment.DEFAULT_LOWER_BOUND_MAX_PARALLELISM;
    String suffix = learner.name() + "-x" + shards;
    SingleOutputStreamOperator<FeatureBatch> dealt = input
        .keyBy(batch -> batch.streamId)
        .process(new StreamShards(learner, shards, config.publishPolicy(), warmupSupply), new FeatureBatchTypeInfo())
        .name("deal-" + suffix).uid("deal-" + suffix);
    dealt.setBufferTimeout(0);
    SingleOutputStreamOperator<Prediction> learned = dealt
        .keyBy(new ShardKeys(shards, maxParallelism))
        .process(LearnerFunction.shard(learner, config.device()), new AvroTypeInfo<>(Prediction.class))
        .name("learn-" + suffix).uid("learn-" + suffix);
    learned.setMaxParallelism(maxParallelism);
    SingleOutputStreamOperator<ModelUpdate> merged = learned.getSideOutput(OutputTags.SHARD_STATES)
        .keyBy(part -> part.streamId)
        .process(mergeOf(learner, shards), new AvroTypeInfo<>(ModelUpdate.class))
        .name("merge-" + suffix).uid("merge-" + suffix);
    updates.add(merged);
    alertStreams.add(dealt.getSideOutput(OutputTags.ALERTS));
    alertStreams.add(merged.getSideOutput(OutputTags.ALERTS));
    return learned;
  }

  /**
   * Drift in the learner's prequential error, per stream. Spread over shards, a stream's predictions reach the
   * watch in the order the shards send them, so its drift positions may move by a few samples between runs.
   */
  private DataStream<Alert> watchForDrift(ContinualLearner<?, ?> learner, DataStream<Prediction> predictions) {
    return predictions
        .keyBy(Prediction::getStreamId)
        .process(new DriftWatch(learner.name(), config.driftDelta()), new AvroTypeInfo<>(Alert.class))
        .name("drift-" + learner.name()).uid("drift-" + learner.name());
  }

  private static <S> ShardMerge<S> mergeOf(ContinualLearner<S, ?> learner, int shards) {
    return new ShardMerge<>(learner, shards);
  }

  /** The samples a learner sees: the stream plus its own warm-up topic, never another learner's. */
  private static DataStream<FeatureBatch> samplesFor(ContinualLearner<?, ?> learner, DataStream<FeatureBatch> features,
      Set<String> warmupTopics) {
    String own = learner.warmup() == null ? null : learner.warmup().topic();
    Set<String> others = new HashSet<>(warmupTopics);
    others.remove(own);
    return others.isEmpty() ? features : features.filter(batch -> !others.contains(batch.topic));
  }
}
