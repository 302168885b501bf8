package dev.streamcl.bench;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.MalformedEventException;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.Sample;
import dev.streamcl.ingest.InvalidSampleException;
import dev.streamcl.ingest.SampleInputs;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.learner.ServableModel;
import dev.streamcl.learner.ServableModels;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.serving.ServingService;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * What bounds serving on this machine, measured in the same run as serving itself: one plain Kafka hop
 * (producer to consumer, no transactions) at the offered load on the same broker — an answer takes two
 * such hops — and the scoring alone (decode, encode, every served model's predict; no Kafka, no Streams)
 * on one thread, in the micro-batches serving makes.
 */
final class ServingFloors {
  /** Requests per scoring call: about what serving's micro-batches hold at the offered load. */
  static final int SCORING_BATCH = 32;

  /** One hop's latency, record send to the consumer's poll returning it, over the {@code records} that arrived. */
  record Hop(int perSecond, long records, double p50Ms, double p99Ms, double p999Ms) {
    /** "at N records/s: p50 … p99 … p99.9 … ms", as the bench prints it. */
    String line() {
      return String.format("at %,d records/s: p50 %.1f  p99 %.1f  p99.9 %.1f ms", perSecond, p50Ms, p99Ms, p999Ms);
    }
  }

  /** Requests one thread scores per second with the served models, and the µs that costs per request. */
  record Scoring(List<String> learners, int batch, double requestsPerSecond, double microsPerRequest) {}

  private ServingFloors() {}

  /**
   * {@code warmup} at {@code perSecond}, then {@code measured} more; the consumer polls every 2 ms and waits
   * at most 5 ms at the broker, as the bench's answer reader does.
   */
  static Hop brokerHop(ClientConfigs clients, String topic, int partitions, int perSecond, Duration warmup,
      Duration measured) throws Exception {
    KafkaTopics.create(clients.bootstrap(), partitions, topic);
    return timedHops(clients, topic, topic, partitions, perSecond, warmup, measured);
  }

  /**
   * The same records through a Kafka Streams application that does nothing but pass them on (source to sink),
   * with serving's stream threads and latency settings (its commit interval under exactly-once), read as the
   * bench reads answers: what Kafka Streams alone costs here under {@code guarantee}.
   */
  static Hop streamsPassThrough(ClientConfigs clients, String prefix, String guarantee, int partitions,
      int perSecond, Duration warmup, Duration measured) throws Exception {
    String app = prefix + "-pass-" + guarantee.replace('_', '-');
    String in = app + ".in";
    String out = app + ".out";
    KafkaTopics.create(clients.bootstrap(), partitions, in, out);
    Properties streams = clients.streams(app);
    streams.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    streams.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(Runtime.getRuntime().availableProcessors()));
    StreamsBuilder topology = new StreamsBuilder();
    topology.stream(in, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .to(out, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
    try (KafkaStreams passThrough = new KafkaStreams(topology.build(), ServingService.withLatencySettings(streams))) {
      passThrough.start();
      return timedHops(clients, in, out, partitions, perSecond, warmup, measured);
    }
  }

  private static Hop timedHops(ClientConfigs clients, String topic, String readTopic, int partitions, int perSecond,
      Duration warmup, Duration measured) throws Exception {
    long warmupRecords = warmup.toMillis() * perSecond / 1000;
    long total = warmupRecords + measured.toMillis() * perSecond / 1000;
    long[] latencies = new long[Math.toIntExact(total - warmupRecords)];
    Thread reader = new Thread(() -> readHops(clients, readTopic, total, warmupRecords, latencies), "hop-reader");
    reader.start();
    Properties producer = clients.producer(null);
    producer.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    try (KafkaProducer<byte[], byte[]> out = new KafkaProducer<>(producer, new ByteArraySerializer(),
        new ByteArraySerializer())) {
      long start = System.nanoTime();
      long interval = 1_000_000_000L / perSecond;
      for (long i = 0; i < total; i++) {
        long due = start + i * interval;
        while (System.nanoTime() < due) {
          LockSupport.parkNanos(50_000);
        }
        byte[] stamp = ByteBuffer.allocate(16).putLong(i).putLong(System.nanoTime()).array();
        out.send(new ProducerRecord<>(topic, (int) (i % partitions), null, stamp));
      }
    }
    reader.join(Duration.ofMinutes(2).toMillis());
    long[] arrived = Arrays.stream(latencies).filter(nanos -> nanos > 0).sorted().toArray();
    return new Hop(perSecond, arrived.length, rankMs(arrived, 0.50), rankMs(arrived, 0.99), rankMs(arrived, 0.999));
  }

  private static void readHops(ClientConfigs clients, String topic, long total, long skip, long[] latencies) {
    Properties config = clients.consumer(null);
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    try (KafkaConsumer<byte[], byte[]> in = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = in.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      in.assign(partitions);
      in.seekToBeginning(partitions);
      long read = 0;
      while (read < total && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : in.poll(Duration.ofMillis(2))) {
          long received = System.nanoTime();
          ByteBuffer stamp = ByteBuffer.wrap(record.value());
          long i = stamp.getLong();
          if (i >= skip) {
            latencies[(int) (i - skip)] = received - stamp.getLong();
          }
          read++;
        }
      }
    }
  }

  /** Scores {@code requests} round and round on this thread: {@code warmup} first, then {@code measured}. */
  static Scoring scoring(EncoderSpec encoderSpec, List<ModelUpdate> snapshots, List<byte[]> requests,
      int labelLimit, Duration warmup, Duration measured) throws MalformedEventException, InvalidSampleException {
    EventCodec<Sample> codec = EventCodec.samples();
    List<ServableModel> models = new ArrayList<>();
    try (Encoder encoder = encoderSpec.open()) {
      for (ModelUpdate snapshot : snapshots) {
        models.add(ServableModels.fromSnapshot(snapshot, ComputeDevice.cpu()));
      }
      SampleInputs inputs = SampleInputs.of(encoder, labelLimit);
      float[] batch = new float[SCORING_BATCH * inputs.inputSize()];
      long scored = 0;
      long measuredFrom = 0;
      long warmupEnd = System.nanoTime() + warmup.toNanos();
      long end = warmupEnd + measured.toNanos();
      for (int next = 0; System.nanoTime() < end; ) {
        for (int i = 0; i < SCORING_BATCH; i++, next = (next + 1) % requests.size()) {
          inputs.copyInput(codec.decode(requests.get(next)), batch, i * inputs.inputSize());
        }
        float[] features = encoder.encode(batch, SCORING_BATCH);
        for (ServableModel model : models) {
          model.predict(features, SCORING_BATCH);
        }
        if (measuredFrom == 0 && System.nanoTime() >= warmupEnd) {
          measuredFrom = System.nanoTime();
          scored = 0;
        } else {
          scored += SCORING_BATCH;
        }
      }
      double seconds = (System.nanoTime() - measuredFrom) / 1e9;
      return new Scoring(models.stream().map(ServableModel::learner).sorted().toList(), SCORING_BATCH,
          scored / seconds, seconds * 1e6 / scored);
    } finally {
      models.forEach(ServableModel::close);
    }
  }

  private static double rankMs(long[] sorted, double quantile) {
    return sorted.length == 0 ? Double.NaN
        : sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)] / 1e6;
  }
}
