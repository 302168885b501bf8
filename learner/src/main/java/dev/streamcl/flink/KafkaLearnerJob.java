package dev.streamcl.flink;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.learner.kvb.KvbConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * The learner job on real Kafka: samples topic in, predictions / model updates / dead letters out,
 * all sinks exactly-once (Kafka transactions committed on checkpoints). {@link #main} is the entry
 * point of the job jar for {@code flink run}.
 */
public final class KafkaLearnerJob {
  private KafkaLearnerJob() {}

  /**
   * @param bounded stop at the samples topic's end offsets as of job start (replays, demos, tests)
   */
  public static LearnerJob create(ClientConfigs clients, Topics topics, LearnerJobConfig config, boolean bounded) {
    return create(clients, topics.samples().name(), topics, config, bounded ? OffsetsInitializer.latest() : null);
  }

  /**
   * Learns from {@code samplesTopic} (and the KVB key-init topic, if configured) from the earliest
   * offsets up to {@code stopAt} (null: unbounded) and writes to the topics of {@code outputs}.
   * Replays read the original samples topic and write under another prefix.
   */
  public static LearnerJob create(ClientConfigs clients, String samplesTopic, Topics outputs, LearnerJobConfig config,
      OffsetsInitializer stopAt) {
    List<String> inputTopics = new ArrayList<>(List.of(samplesTopic));
    if (config.kvb().keyInitTopic() != null) {
      inputTopics.add(config.kvb().keyInitTopic());
    }
    var source = KafkaSource.<RawRecord>builder()
        .setBootstrapServers(clients.bootstrap())
        .setProperties(sourceProperties(clients))
        .setTopics(inputTopics)
        .setGroupId("streamcl-learner-" + outputs.prefix())
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new RawRecordDeserializer());
    if (stopAt != null) {
      source.setBounded(stopAt);
    }
    KafkaSource<RawRecord> kafkaSource = source.build();
    return new LearnerJob(config,
        env -> env.fromSource(kafkaSource, WatermarkStrategy.noWatermarks(), "samples"),
        sink(clients, outputs, outputs.predictions().name(), "predictions", EventCodec::predictions,
            Prediction::getStreamId, Prediction::getStreamId),
        sink(clients, outputs, outputs.modelUpdates().name(), "model-updates", EventCodec::modelUpdates,
            u -> Topics.modelKey(u.getStreamId(), u.getLearner()), ModelUpdate::getStreamId),
        sink(clients, outputs, outputs.deadLetters().name(), "dead-letters", EventCodec::deadLetters,
            d -> d.getSourceTopic() + "/" + d.getPartition() + "/" + d.getOffset(),
            d -> d.getSourceTopic() + "/" + d.getPartition()));
  }

  /** Exactly-once needs checkpoints: Kafka transactions commit when a checkpoint completes. */
  public static void configure(StreamExecutionEnvironment env, LearnerJobConfig config) {
    env.setParallelism(config.parallelism());
    enableCheckpointing(env, config);
  }

  private static void enableCheckpointing(StreamExecutionEnvironment env, LearnerJobConfig config) {
    env.enableCheckpointing(config.checkpointIntervalMs(), CheckpointingMode.EXACTLY_ONCE);
  }

  /** KVB preset ({@code --kvb-preset default|larger|paper}) and key source ({@code --kvb-keys stream|topic}). */
  private static KvbSettings kvbSettings(ParameterTool params, Topics topics, int classes) {
    KvbConfig preset = KvbSettings.preset(params.get("kvb-preset", "default")).withClasses(classes);
    String keys = params.get("kvb-keys", "stream");
    return new KvbSettings(preset, params.getInt("kvb-batch", KvbSettings.DEFAULT_TRAIN_BATCH),
        params.getInt("kvb-snapshot-every", KvbSettings.DEFAULT_SNAPSHOT_EVERY),
        "topic".equals(keys) ? topics.keyInit().name() : null);
  }

  /** A bare {@code --flag} counts as true (ParameterTool stores it without a value). */
  private static boolean flag(ParameterTool params, String name) {
    return params.has(name) && !"false".equalsIgnoreCase(params.get(name));
  }

  public static void main(String[] args) throws Exception {
    ParameterTool params = ParameterTool.fromArgs(args);
    String bootstrap = params.getRequired("bootstrap");
    Properties extra = ClientConfigs.loadProperties(params.has("client-properties")
        ? java.nio.file.Path.of(params.get("client-properties")) : null);
    ClientConfigs clients = new ClientConfigs(bootstrap, extra, true);
    Topics topics = new Topics(params.get("topic-prefix", Topics.DEFAULT_PREFIX));
    ComputeDevice device = ComputeDevice.parse(params.get("device", "cpu"), flag(params, "cpu-fallback"));
    LearnerJobConfig defaults = LearnerJobConfig.defaults(EncoderSpec.parse(params.get("encoder", "pixels:28x28"), device));
    LearnerJobConfig config = new LearnerJobConfig(defaults.encoder(),
        params.getInt("batch-size", defaults.microBatchSize()),
        params.getLong("batch-delay-ms", defaults.microBatchMaxDelayMs()),
        params.getInt("publish-every", defaults.publishEveryLabelled()),
        params.getInt("label-limit", defaults.labelLimit()),
        params.getInt("max-payload-bytes", defaults.maxPayloadBytes()),
        params.getInt("parallelism", defaults.parallelism()),
        params.getLong("checkpoint-interval-ms", defaults.checkpointIntervalMs()),
        device, List.of(params.get("learners", String.join(",", LearnerJobConfig.ALL_LEARNERS)).split(",")),
        kvbSettings(params, topics, params.getInt("label-limit", defaults.labelLimit())),
        new ReplaySettings.Tuning(params.getInt("replay-capacity", ReplaySettings.DEFAULT_CAPACITY),
            params.getInt("replay-batch", ReplaySettings.DEFAULT_MINIBATCH),
            params.getInt("replay-count", ReplaySettings.DEFAULT_MINIBATCH),
            params.getFloat("replay-lr", ReplaySettings.DEFAULT_LEARNING_RATE), params.getInt("replay-steps", 1),
            params.getLong("replay-seed", ReplaySettings.DEFAULT_SEED)),
        !flag(params, "no-task-boundaries"));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    // On a cluster, `flink run -p N` decides the parallelism unless --parallelism is given.
    if (params.has("parallelism")) {
      env.setParallelism(config.parallelism());
    }
    enableCheckpointing(env, config);
    create(clients, topics, config, flag(params, "bounded")).build(env);
    env.execute("streamcl-learner " + topics.prefix());
  }

  private static Properties sourceProperties(ClientConfigs clients) {
    Properties p = clients.common();
    p.put("isolation.level", clients.isolationLevel());
    return p;
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> KafkaSink<T> sink(ClientConfigs clients,
      Topics topics, String topic, String kind, EventRecordSerializer.EventCodecFactory<T> codec,
      EventRecordSerializer.Field<T> key, EventRecordSerializer.Field<T> streamId) {
    Properties producer = clients.common();
    producer.put("transaction.timeout.ms", Integer.toString(ClientConfigs.TRANSACTION_TIMEOUT_MS));
    return KafkaSink.<T>builder()
        .setBootstrapServers(clients.bootstrap())
        .setKafkaProducerConfig(producer)
        .setRecordSerializer(new EventRecordSerializer<>(topic, codec, key, streamId))
        .setDeliveryGuarantee(clients.exactlyOnce() ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
        .setTransactionalIdPrefix("streamcl-" + topics.prefix() + "-" + kind)
        .build();
  }
}
