package dev.streamcl.bench;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaTopics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * One learner job, as {@code streamcl learn --bounded} in a JVM of its own, over a stream already on
 * the broker. Steady state is read off the published model versions: each carries how many samples
 * it reflects, and its record's create time is when the job sent it, so the samples between the
 * versions at 10 % and 90 % of the stream over the time between them exclude start-up and the final
 * checkpoint. Start-up is from the JVM's launch to the first prediction the job sent.
 */
final class EndToEndBench {
  /** A learner's steady rate in the job and the versions it published. */
  record LearnerRate(String learner, double samplesPerSecond, long versions) {}

  /** The job's steady rate is its slowest learner's: they share one source. */
  record Result(String run, long samples, double samplesPerSecond, double startupSeconds, double wallSeconds,
      long peakRssBytes, double cpuSeconds, List<LearnerRate> learners) {
    /** The job JVM's CPU time per sample, start-up included. */
    double cpuMicrosPerSample() {
      return cpuSeconds * 1e6 / samples;
    }
  }

  private static final double STEADY_FROM = 0.1;
  private static final double STEADY_TO = 0.9;

  private EndToEndBench() {}

  static Result run(String run, List<String> learners, ClientConfigs clients, String samplesTopic, long samples,
      List<String> jobOptions, Path workDir) throws Exception {
    Topics outputs = new Topics("bench-" + run);
    KafkaTopics.create(clients.admin(), Bench.PARTITIONS, List.of(outputs.predictions().name(),
        outputs.modelUpdates().name(), outputs.deadLetters().name(), outputs.alerts().name(), outputs.runs().name()));
    List<String> args = new ArrayList<>(List.of("learn", "--bootstrap", clients.bootstrap(), "--topic-prefix",
        outputs.prefix(), "--samples-topic", samplesTopic, "--bounded", "--fresh", "--checkpoint-dir",
        Files.createDirectories(workDir.resolve("checkpoints-" + run)).toString(), "--learners",
        String.join(",", learners)));
    args.addAll(jobOptions);
    long launched = System.currentTimeMillis();
    long peakRss;
    double cpuSeconds;
    try (ChildJvm job = ChildJvm.streamcl(args, workDir.resolve("learn-" + run + ".log"))) {
      job.awaitSuccess(Duration.ofMinutes(20));
      peakRss = job.peakRssBytes();
      cpuSeconds = job.cpuSeconds();
    }
    double wall = (System.currentTimeMillis() - launched) / 1000.0;
    List<LearnerRate> rates = steadyRates(clients, outputs.modelUpdates().name(), samples);
    double jobRate = rates.stream().mapToDouble(LearnerRate::samplesPerSecond).min().orElse(0);
    double startup = (firstTimestamp(clients, outputs.predictions().name()) - launched) / 1000.0;
    return new Result(run, samples, jobRate, startup, wall, peakRss, cpuSeconds, rates);
  }

  /** A published version: the samples it reflects and when the job sent it. */
  record Version(long samplesSeen, long sentAt) {}

  private static List<LearnerRate> steadyRates(ClientConfigs clients, String modelUpdates, long samples) {
    EventCodec<ModelUpdate> codec = EventCodec.modelUpdates();
    Map<String, List<Version>> versions = new TreeMap<>();
    try (TopicReader reader = new TopicReader(clients, modelUpdates)) {
      for (ConsumerRecord<String, byte[]> record : reader.readAll()) {
        ModelUpdate update = codec.decode(record.value());
        if (update.getChunkIndex() == 0) {
          versions.computeIfAbsent(update.getLearner(), l -> new ArrayList<>())
              .add(new Version(update.getSamplesSeen(), record.timestamp()));
        }
      }
    }
    List<LearnerRate> rates = new ArrayList<>();
    versions.forEach((learner, published) -> rates.add(steadyRate(learner, published, samples)));
    return rates;
  }

  /** Samples per second between the first versions that reflect 10 % and 90 % of a stream of {@code samples}. */
  static LearnerRate steadyRate(String learner, List<Version> published, long samples) {
    List<Version> bySamples = published.stream().sorted(Comparator.comparingLong(Version::samplesSeen)).toList();
    Version from = firstAtLeast(bySamples, (long) (samples * STEADY_FROM));
    Version to = firstAtLeast(bySamples, (long) (samples * STEADY_TO));
    double seconds = Math.max(1, to.sentAt() - from.sentAt()) / 1000.0;
    return new LearnerRate(learner, (to.samplesSeen() - from.samplesSeen()) / seconds, published.size());
  }

  private static Version firstAtLeast(List<Version> versions, long samplesSeen) {
    return versions.stream().filter(v -> v.samplesSeen() >= samplesSeen).findFirst()
        .orElse(versions.get(versions.size() - 1));
  }

  /** The earliest create time among the first records of the topic's partitions. */
  private static long firstTimestamp(ClientConfigs clients, String topic) {
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(clients.consumer(null))) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long first = Long.MAX_VALUE;
      List<TopicPartition> waiting = new ArrayList<>(partitions.stream().filter(p -> end.get(p) > 0).toList());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!waiting.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          if (waiting.remove(tp)) {
            first = Math.min(first, record.timestamp());
            consumer.pause(List.of(tp));
          }
        }
      }
      return first;
    }
  }
}
