package dev.streamcl.report;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.LearnerThroughput;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaTopics;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Learner throughput of finished learner jobs on {@code <prefix>.runs}: written by whoever ran the
 * job (only that process knows its timing), read by reports built later from the topics.
 */
public final class Throughputs {
  private Throughputs() {}

  public static void publish(ClientConfigs clients, Topics topics, List<LearnerThroughput> throughputs) {
    KafkaTopics.create(clients.admin(), 1, List.of(topics.runs().name()));
    EventCodec<LearnerThroughput> codec = EventCodec.learnerThroughputs();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      for (LearnerThroughput throughput : throughputs) {
        producer.send(new ProducerRecord<>(topics.runs().name(), throughput.getLearner(), codec.encode(throughput)));
      }
    }
  }

  /** Samples per busy second of each learner in the newest job that ran it; empty when no job recorded any. */
  public static Map<String, Double> newest(ClientConfigs clients, Topics topics) {
    Map<String, Double> newest = new TreeMap<>();
    EventCodec<LearnerThroughput> codec = EventCodec.learnerThroughputs();
    List<ConsumerRecord<String, byte[]>> records;
    try (TopicReader reader = new TopicReader(clients, topics.runs().name())) {
      records = reader.readAll();
    } catch (IllegalStateException noSuchTopic) {
      return newest;
    }
    records.stream().map(r -> codec.decode(r.value()))
        .sorted(Comparator.comparing(LearnerThroughput::getFinishedAt))
        .forEach(t -> newest.put(t.getLearner(), t.getSamplesPerSecond()));
    return newest;
  }
}
