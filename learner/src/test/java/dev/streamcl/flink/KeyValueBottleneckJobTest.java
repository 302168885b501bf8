package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelDeltas;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.Sample;
import dev.streamcl.events.UpdateKind;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.StreamPartitioning;
import dev.streamcl.kafka.Topics;
import dev.streamcl.learner.kvb.EmaKMeans;
import dev.streamcl.learner.kvb.KeyValueBottleneck;
import dev.streamcl.learner.kvb.KeyValueBottleneckKernel;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.kvb.KvbHyperparameters;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KVB learner in the job on a real broker: a read_committed consumer sees one chunked snapshot
 * and then sparse deltas; replaying them rebuilds exactly the values a plain run of the same learner
 * over the same samples ends with; and deltas cost a small fraction of the snapshot's bytes.
 */
@ExtendWith(KafkaBrokerExtension.class)
class KeyValueBottleneckJobTest {
  private static final String STREAM = "kvb-stream";
  private static final int SAMPLES = 900;
  private static final int PUBLISH_EVERY = 60;
  private static final int TRAIN_BATCH = 30;
  // 16,384 keys x (8 + 4) floats: a 768 KiB snapshot, so it must be chunked below the 1 MiB message limit.
  private static final KvbHyperparameters KVB = new KvbHyperparameters(64, 256, 8, 1, 4, 0.3, 0.1, 11L, 0.95, 0.1, 300);

  @TempDir Path checkpoints;

  @Test
  void oneChunkedSnapshotThenDeltasRebuildTheLearnersValues() throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    Topics published = null;
    List<byte[]> images = null;
    for (int attempt = 1; images == null; attempt++) {
      published = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("kvb-job"));
      KafkaTopics.create(KafkaBrokerExtension.bootstrap(), 2, published.samples().name(),
          published.modelUpdates().name(), published.predictions().name(), published.deadLetters().name());
      try {
        images = publish(clients, published);
      } catch (ExecutionException e) {
        // Seen here a few times (never in the learner): the in-process broker never acknowledged the test
        // producer's last batch. The test is about the learner, so it publishes once more to fresh topics.
        if (attempt == 2 || !(e.getCause() instanceof TimeoutException)) {
          throw e;
        }
        System.out.println("the test producer's last batch timed out (" + e.getCause().getMessage()
            + "); publishing again to fresh topics");
      }
    }
    Topics topics = published;

    EncoderSpec encoder = EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu());
    // A snapshot budget far beyond the run: exactly one snapshot, then only deltas.
    LearnerJobConfig config = LearnerJobConfig.builder(encoder).microBatch(16, 50).publishEvery(PUBLISH_EVERY)
        .labelLimit(4).parallelism(2).checkpointIntervalMs(300).learners(KeyValueBottleneckModel.LEARNER)
        .settings(KeyValueBottleneckLearner.FAMILY,
            new KeyValueBottleneckLearner.Settings(KVB, TRAIN_BATCH, 1000, null))
        .build();
    // No silent restarts: a failure shows its own cause instead of a run that recovered differently.
    Configuration flink = new Configuration();
    flink.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    flink.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
    flink.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(flink);
    KafkaLearnerJob.configure(env, config);
    KafkaLearnerJob.create(clients, topics, config, true).build(env);
    JobExecutionResult job = env.execute("kvb-job-test");

    List<ConsumerRecord<String, byte[]>> records = readCommitted(clients, topics.modelUpdates().name());
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    List<ModelUpdate> updates = records.stream().map(r -> codec.decode(r.value())).toList();
    ModelUpdate first = updates.get(0);
    assertEquals(UpdateKind.SNAPSHOT, first.getKind());
    assertTrue(first.getChunkCount() > 1, "the snapshot should be chunked, has " + first.getChunkCount() + " chunk");

    ModelUpdate rebuilt = null;
    long snapshotBytes = 0;
    long deltaBytes = 0;
    int deltas = 0;
    List<ModelUpdate> chunks = new ArrayList<>();
    for (int i = 0; i < updates.size(); i++) {
      ModelUpdate update = updates.get(i);
      int size = records.get(i).value().length;
      if (update.getKind() == UpdateKind.SNAPSHOT) {
        snapshotBytes += size;
        chunks.add(update);
        if (chunks.size() == update.getChunkCount()) {
          assertEquals(null, rebuilt, "only one snapshot expected");
          rebuilt = ModelUpdateChunks.assemble(chunks);
        }
      } else {
        deltaBytes += size;
        deltas++;
        assertEquals(rebuilt.getModelVersion(), update.getBaseVersion().longValue(), "delta on the wrong base");
        rebuilt = ModelDeltas.apply(rebuilt, update);
      }
    }
    double ratio = (double) deltaBytes / deltas / snapshotBytes;
    System.out.printf("kvb snapshot %,d bytes in %d chunks; %d deltas, %,d bytes on average = %.3f of a snapshot%n",
        snapshotBytes, first.getChunkCount(), deltas, deltaBytes / deltas, ratio);
    assertEquals((SAMPLES + PUBLISH_EVERY - 1) / PUBLISH_EVERY, rebuilt.getModelVersion());
    assertEquals(SAMPLES, rebuilt.getSamplesSeen(), "samples the final version learned from (the job encoded "
        + LearnerJob.samplesIn(job) + " in " + job.getNetRuntime() + " ms; " + readCommitted(clients,
        topics.predictions().name()).size() + " predictions, " + readCommitted(clients, topics.deadLetters().name())
        .size() + " dead letters on partition " + StreamPartitioning.partitionFor(STREAM, 2) + ")");
    assertTrue(ratio < 0.25, "deltas should be a small fraction of a snapshot, were " + ratio);

    KeyValueBottleneck expected = plainRun(encoder, images);
    KeyValueBottleneck fromEvents = KeyValueBottleneckModel.fromSnapshot(rebuilt);
    assertArrayEquals(expected.keys(), fromEvents.keys());
    assertArrayEquals(expected.values(), fromEvents.values());
  }

  /** The same learner outside Flink and Kafka: keys from the first samples, then fixed minibatches. */
  private static KeyValueBottleneck plainRun(EncoderSpec encoderSpec, List<byte[]> images) throws Exception {
    float[] features;
    try (var encoder = encoderSpec.open()) {
      float[] pixels = new float[images.size() * 784];
      for (int i = 0; i < images.size(); i++) {
        for (int k = 0; k < 784; k++) {
          pixels[i * 784 + k] = images.get(i)[k] & 0xFF;
        }
      }
      features = encoder.encode(pixels, images.size());
    }
    EmaKMeans kMeans = new EmaKMeans(KVB, 784);
    for (int from = 0; from < KVB.keyInitSamples(); from += 256) {
      int n = Math.min(256, KVB.keyInitSamples() - from);
      kMeans.feed(java.util.Arrays.copyOfRange(features, from * 784, (from + n) * 784), n);
    }
    KeyValueBottleneck state = kMeans.freeze();
    try (KeyValueBottleneckKernel kernel = new KeyValueBottleneckKernel(state, ComputeDevice.cpu())) {
      for (int from = 0; from < images.size(); from += TRAIN_BATCH) {
        int n = Math.min(TRAIN_BATCH, images.size() - from);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
          labels[i] = (from + i) % 4;
        }
        kernel.trainStep(state, java.util.Arrays.copyOfRange(features, from * 784, (from + n) * 784), n, labels);
      }
    }
    return state;
  }

  /** Every send is checked: a sample the broker never took would otherwise just be missing from the job's input. */
  private static List<byte[]> publish(ClientConfigs clients, Topics topics) throws Exception {
    EventCodec<Sample> codec = EventCodec.samples();
    Random random = new Random(3);
    List<byte[]> images = new ArrayList<>();
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    Properties producerConfig = clients.producer(null);
    producerConfig.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000");
    producerConfig.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig)) {
      for (int seq = 0; seq < SAMPLES; seq++) {
        byte[] pixels = TestSamples.pixels(seq % 4, random);
        images.add(pixels);
        Sample sample = TestSamples.image(STREAM, seq, seq % 4, pixels);
        sample.setTaskId(null); // no task boundaries: versions come from the publish interval alone
        sent.add(producer.send(new ProducerRecord<>(topics.samples().name(), StreamPartitioning.partitionFor(STREAM, 2),
            STREAM, codec.encode(sample))));
      }
      producer.flush();
      for (Future<RecordMetadata> record : sent) {
        record.get();
      }
    }
    return images;
  }

  private static List<ConsumerRecord<String, byte[]>> readCommitted(ClientConfigs clients, String topic) {
    List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null))) {
      TopicPartition partition = new TopicPartition(topic, StreamPartitioning.partitionFor(STREAM, 2));
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      Map<TopicPartition, Long> end = consumer.endOffsets(List.of(partition));
      while (consumer.position(partition) < end.get(partition)) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
