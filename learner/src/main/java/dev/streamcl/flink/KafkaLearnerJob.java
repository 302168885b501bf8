package dev.streamcl.flink;

import dev.streamcl.events.Alert;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Prediction;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The learner job on real Kafka: samples topic in, predictions / model updates / dead letters out,
 * all sinks exactly-once (Kafka transactions committed on checkpoints). {@link #main} is the entry
 * point of the job jar for {@code flink run}.
 */
public final class KafkaLearnerJob {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaLearnerJob.class);
  /** Partitions of a warm-up topic the job creates (a publisher keys each stream's samples to one of them). */
  private static final int WARMUP_TOPIC_PARTITIONS = 2;
  private static final long TOPIC_TIMEOUT_S = 30;

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
    return create(clients, samplesTopic, outputs, config, stopAt, UnaryOperator.identity());
  }

  /** As above, with {@code afterSource} applied to the raw records first (tests inject failures there). */
  public static LearnerJob create(ClientConfigs clients, String samplesTopic, Topics outputs, LearnerJobConfig config,
      OffsetsInitializer stopAt, UnaryOperator<DataStream<RawRecord>> afterSource) {
    List<String> inputTopics = inputTopics(samplesTopic, config);
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
    Source<RawRecord, ?, ?> kafkaSource = stopAt == null ? source.build()
        : new RestorableBoundedSource<>(source.build(), inputTopics, clients.admin());
    createWarmupTopics(clients, config);
    WarmupSupply warmupSupply = WarmupSupply.count(clients, config.warmupTopics().keySet());
    config.warmupTopics().forEach((topic, wanted) -> {
      if (warmupSupply.isEmpty(topic)) {
        LOG.warn(warmupSupply.describe(topic, wanted));
      } else {
        LOG.info(warmupSupply.describe(topic, wanted));
      }
    });
    return new LearnerJob(config,
        env -> afterSource.apply(env.fromSource(kafkaSource, WatermarkStrategy.noWatermarks(), "samples")
            .uid("samples")),
        learner -> sink(clients, outputs, outputs.predictions().name(), "predictions-" + learner,
            EventCodec::predictions, Prediction::getStreamId, Prediction::getStreamId),
        sink(clients, outputs, outputs.modelUpdates().name(), "model-updates", EventCodec::modelUpdates,
            u -> Topics.modelKey(u.getStreamId(), u.getLearner()), ModelUpdate::getStreamId),
        sink(clients, outputs, outputs.deadLetters().name(), "dead-letters", EventCodec::deadLetters,
            d -> d.getSourceTopic() + "/" + d.getPartition() + "/" + d.getOffset(),
            d -> d.getSourceTopic() + "/" + d.getPartition()),
        sink(clients, outputs, outputs.alerts().name(), "alerts", EventCodec::alerts,
            a -> Topics.modelKey(a.getStreamId(), a.getLearner()), Alert::getStreamId), warmupSupply);
  }

  /**
   * Creates the learners' warm-up topics that do not exist yet (empty; KVB's key-init topic before anyone published
   * to it): a job whose learners read one nobody filled starts, and its streams fit on their own first samples,
   * with a warning, instead of the job refusing to start.
   */
  public static void createWarmupTopics(ClientConfigs clients, LearnerJobConfig config) {
    if (config.warmupTopics().isEmpty()) {
      return;
    }
    try (Admin admin = Admin.create(clients.admin())) {
      List<NewTopic> missing = new ArrayList<>();
      admin.describeTopics(config.warmupTopics().keySet()).topicNameValues().forEach((topic, described) -> {
        try {
          described.get(TOPIC_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
            throw new IllegalStateException("Cannot describe topic " + topic + ": " + e.getCause().getMessage(), e);
          }
          missing.add(new NewTopic(topic, Optional.of(WARMUP_TOPIC_PARTITIONS), Optional.empty()));
        } catch (InterruptedException | TimeoutException e) {
          throw new IllegalStateException("Cannot describe topic " + topic + ": " + e, e);
        }
      });
      if (!missing.isEmpty()) {
        admin.createTopics(missing).all().get(TOPIC_TIMEOUT_S, TimeUnit.SECONDS);
      }
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("Cannot create the warm-up topics " + config.warmupTopics().keySet() + ": "
            + e.getCause().getMessage(), e);
      }
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("Cannot create the warm-up topics " + config.warmupTopics().keySet(), e);
    }
  }

  /** What the job reads: the samples topic and the learners' warm-up topics. */
  public static List<String> inputTopics(String samplesTopic, LearnerJobConfig config) {
    List<String> inputTopics = new ArrayList<>(List.of(samplesTopic));
    inputTopics.addAll(config.warmupTopics().keySet());
    return inputTopics;
  }

  /** Exactly-once needs checkpoints: Kafka transactions commit when a checkpoint completes. */
  public static void configure(StreamExecutionEnvironment env, LearnerJobConfig config) {
    env.setParallelism(config.parallelism());
    configureCheckpointsAndState(env, config);
  }

  /** Checkpoints every interval, exactly-once; the state backend as configured, RocksDB checkpointing increments. */
  private static void configureCheckpointsAndState(StreamExecutionEnvironment env, LearnerJobConfig config) {
    env.enableCheckpointing(config.checkpointIntervalMs(), CheckpointingMode.EXACTLY_ONCE);
    Configuration state = new Configuration();
    state.set(StateBackendOptions.STATE_BACKEND, config.stateBackend().optionValue());
    state.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, config.stateBackend() == StateBackend.ROCKSDB);
    env.configure(state);
  }

  /** {@code flink run} arguments: where Kafka is, {@code --bounded}, and every learner job option. */
  @Command(name = "streamcl-learner-job", mixinStandardHelpOptions = true,
      modelTransformer = LearnerJobOptions.Transformer.class,
      description = "The StreamCL learner job: samples topic in; predictions, model updates, dead letters out.")
  public static final class Arguments {
    @Spec CommandSpec spec;

    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--client-properties", description = "Kafka client properties file (SASL/TLS of a real cluster).")
    Path clientProperties;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
        description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--bounded", description = "Stop at the samples topic's end as of start (replays).")
    boolean bounded;

    public LearnerJobConfig config() {
      return LearnerJobOptions.config(LearnerJobOptions.values(spec), topicPrefix);
    }

    public String bootstrap() {
      return bootstrap;
    }

    public String topicPrefix() {
      return topicPrefix;
    }

    /** Whether --parallelism was given: otherwise `flink run -p N` decides. */
    boolean parallelismGiven() {
      return spec.commandLine().getParseResult().hasMatchedOption(LearnerJobOptions.PARALLELISM);
    }
  }

  /** Parses {@code flink run} arguments; null when help or the version was printed. */
  public static Arguments parse(String... args) {
    Arguments arguments = new Arguments();
    CommandLine commandLine = new CommandLine(arguments);
    commandLine.parseArgs(args);
    return CommandLine.printHelpIfRequested(commandLine.getParseResult()) ? null : arguments;
  }

  public static void main(String[] args) throws Exception {
    Arguments arguments;
    LearnerJobConfig config;
    try {
      arguments = parse(args);
      if (arguments == null) {
        return;
      }
      config = arguments.config();
    } catch (CommandLine.ParameterException | IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    ClientConfigs clients =
        new ClientConfigs(arguments.bootstrap, ClientConfigs.loadProperties(arguments.clientProperties), true);
    Topics topics = new Topics(arguments.topicPrefix);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    if (arguments.parallelismGiven()) {
      env.setParallelism(config.parallelism());
    }
    configureCheckpointsAndState(env, config);
    create(clients, topics, config, arguments.bounded).build(env);
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
    return KafkaSink.<T>builder()
        .setBootstrapServers(clients.bootstrap())
        .setKafkaProducerConfig(sinkProducer(clients))
        .setRecordSerializer(new EventRecordSerializer<>(topic, codec, key, streamId))
        .setDeliveryGuarantee(clients.exactlyOnce() ? DeliveryGuarantee.EXACTLY_ONCE : DeliveryGuarantee.AT_LEAST_ONCE)
        .setTransactionalIdPrefix("streamcl-" + topics.prefix() + "-" + kind)
        .build();
  }

  /** The producer settings of the job's sinks (no codec: their batches are uncompressed). */
  public static Properties sinkProducer(ClientConfigs clients) {
    Properties producer = clients.common();
    // A crashed job's open transactions hold back read_committed readers of its own topics (serving has
    // topics of its own) until the job restarts, which reuses the transactional ids and so aborts them at
    // once, or until they time out. The timeout must outlive the slowest checkpoint plus a restart, since a
    // restored job commits its last completed checkpoint's transactions: under backpressure an aligned
    // checkpoint of this job took over a minute on 2 cores, so it stays long.
    producer.put("transaction.timeout.ms", Integer.toString(ClientConfigs.TRANSACTION_TIMEOUT_MS));
    // Nothing is readable before the checkpoint commits, so waiting to fill larger batches costs no latency
    // and saves the broker a request per 16 KB of predictions.
    producer.put("batch.size", Integer.toString(256 * 1024));
    producer.put("linger.ms", "20");
    return producer;
  }
}
