package dev.streamcl.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaBrokerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/** Publishing on a real broker: 50 samples per task (250 training and 250 test records). */
@ExtendWith(KafkaBrokerExtension.class)
class ScenarioPublisherTest {
  private static final FashionMnist DATA = FashionMnistTest.DATA;
  private static final int PER_TASK = 50;

  @Test
  void publishingTwiceKeepsExactlyOneCopy(TestInfo info) {
    Topics topics = topicsFor(info);
    Scenario scenario = new SplitFashionMnist(DATA, 1, PER_TASK);

    ScenarioPublisher.Report first = publisher(topics, 7).publish(scenario, "s1");
    ScenarioPublisher.Report second = publisher(topics, 7).publish(scenario, "s1");

    assertEquals(new ScenarioPublisher.Counts(topics.samples().name(), 250, 0), first.training());
    assertEquals(new ScenarioPublisher.Counts(topics.test(scenario.name()).name(), 250, 0), first.test());
    assertEquals(new ScenarioPublisher.Counts(topics.samples().name(), 0, 250), second.training());
    assertEquals(0, second.test().written());
    assertEquals(sequences(250), sequencesOf(readCommitted(topics.samples().name()), "s1"));
    assertEquals(sequences(250), sequencesOf(readCommitted(topics.test(scenario.name()).name()), scenario.name()));
  }

  @Test
  void anInterruptedRunIsCompletedWithoutDuplicates(TestInfo info) {
    Topics topics = topicsFor(info);
    Scenario scenario = new SplitFashionMnist(DATA, 3, PER_TASK);
    publisher(topics, 30).publish(new Truncated(scenario, 95), "s1"); // as if it crashed after 95 records

    ScenarioPublisher.Report rest = publisher(topics, 30).publish(scenario, "s1");

    assertEquals(155, rest.training().written());
    assertEquals(95, rest.training().skipped());
    List<Sample> written = readCommitted(topics.samples().name());
    assertEquals(sequences(250), sequencesOf(written, "s1"));
    for (Sample sample : written) {
      assertEquals(scenario.trainingSample("s1", sample.getSequence()), sample);
    }
  }

  @Test
  void streamsSharingAPartitionResumeIndependently(TestInfo info) {
    Topics topics = topicsFor(info);
    Scenario scenario = new SplitFashionMnist(DATA, 4, PER_TASK);
    ScenarioPublisher onePartition = new ScenarioPublisher(clients(), topics, 1, 100, false);

    onePartition.publish(scenario, "a");
    onePartition.publish(scenario, "b");
    ScenarioPublisher.Report again = onePartition.publish(scenario, "a");

    assertEquals(0, again.training().written());
    List<Sample> written = readCommitted(topics.samples().name());
    assertEquals(sequences(250), sequencesOf(written, "a"));
    assertEquals(sequences(250), sequencesOf(written, "b"));
    assertEquals(250, readCommitted(topics.test(scenario.name()).name()).size(), "test set written once for both");
  }

  @Test
  void anotherSeedOnTheSameTopicsFailsAndWritesNothing(TestInfo info) {
    Topics topics = topicsFor(info);
    publisher(topics, 100).publish(new SplitFashionMnist(DATA, 1, PER_TASK), "s1");

    ScenarioMismatchException e = assertThrows(ScenarioMismatchException.class,
        () -> publisher(topics, 100).publish(new SplitFashionMnist(DATA, 2, PER_TASK), "s1"));

    assertTrue(e.getMessage().contains("with seed 1"), e.getMessage());
    assertTrue(e.getMessage().contains("use another --topic-prefix, or delete the topics " + topics.samples().name()),
        e.getMessage());
    assertEquals(250, readCommitted(topics.samples().name()).size());
  }

  @Test
  void anotherBlendWindowOnTheSameTopicsFails(TestInfo info) {
    Topics topics = topicsFor(info);
    publisher(topics, 100).publish(new BlurryTaskFreeFashionMnist(DATA, 1, PER_TASK, 20), "s1");

    ScenarioMismatchException e = assertThrows(ScenarioMismatchException.class,
        () -> publisher(topics, 100).publish(new BlurryTaskFreeFashionMnist(DATA, 1, PER_TASK, 30), "s1"));

    assertTrue(e.getMessage().contains("variant window=20") && e.getMessage().contains("variant window=30"),
        e.getMessage());
    assertEquals(0, publisher(topics, 100).publish(new BlurryTaskFreeFashionMnist(DATA, 1, PER_TASK, 20), "s1")
        .training().written(), "the same window resumes");
  }

  private static Topics topicsFor(TestInfo info) {
    return new Topics(KafkaBrokerExtension.uniqueTopicPrefix(info.getTestMethod().orElseThrow().getName()));
  }

  private static ClientConfigs clients() {
    return ClientConfigs.of(KafkaBrokerExtension.bootstrap());
  }

  private static ScenarioPublisher publisher(Topics topics, int commitEvery) {
    return new ScenarioPublisher(clients(), topics, 2, commitEvery, false);
  }

  private static List<Long> sequences(long count) {
    return LongStream.range(0, count).boxed().toList();
  }

  private static List<Long> sequencesOf(List<Sample> samples, String streamId) {
    return samples.stream().filter(s -> s.getStreamId().equals(streamId)).map(Sample::getSequence).toList();
  }

  /** Every committed record of the topic, partition by partition, in offset order. */
  static List<Sample> readCommitted(String topic) {
    EventCodec<Sample> codec = EventCodec.samples();
    List<Sample> samples = new ArrayList<>();
    Properties config = clients().consumer(null);
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20"); // the last fetch, past the commit marker, finds no data
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
      for (PartitionInfo info : consumer.partitionsFor(topic)) {
        TopicPartition partition = new TopicPartition(topic, info.partition());
        consumer.assign(List.of(partition));
        consumer.seekToBeginning(List.of(partition));
        long end = consumer.endOffsets(List.of(partition)).get(partition);
        while (consumer.position(partition) < end) {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            samples.add(codec.decode(record.value()));
          }
        }
      }
    }
    return samples;
  }

  /** The first records of a scenario, with its name, seed and cap: what a crashed run leaves behind. */
  private record Truncated(Scenario whole, long size) implements Scenario {
    public String name() {
      return whole.name();
    }

    public long seed() {
      return whole.seed();
    }

    public int samplesPerTask() {
      return whole.samplesPerTask();
    }

    public long trainingSize() {
      return size;
    }

    public Sample trainingSample(String streamId, long sequence) {
      return whole.trainingSample(streamId, sequence);
    }

    public long testSize() {
      return Math.min(size, whole.testSize());
    }

    public Sample testSample(String streamId, long sequence) {
      return whole.testSample(streamId, sequence);
    }
  }
}
