package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * What a person sees when a command cannot run: one line saying what is wrong and what to do. Each test has a
 * time limit: a command that idles instead of failing (serve did) must fail the test, not hang it.
 */
@ExtendWith(KafkaBrokerExtension.class)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StreamClTest {
  @Test
  void anUnreachableBrokerIsReportedWithWhatToDo() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    StringWriter err = new StringWriter();
    int exit = run(err, "publish", "split-fmnist", "--bootstrap", "127.0.0.1:" + closedPort);
    assertEquals(1, exit);
    assertTrue(err.toString().contains("No Kafka broker answered at 127.0.0.1:" + closedPort), err.toString());
    assertTrue(err.toString().contains("streamcl broker"), err.toString());
  }

  @Test
  void anUnknownScenarioNamesTheKnownOnes() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "publish", "split-cifar"));
    assertTrue(err.toString().contains("known: split-fmnist"), err.toString());
  }

  @Test
  void aMissingDatasetSaysHowToInstallIt() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "demo", "--data-dir", "/nonexistent/fashion-mnist"));
    assertTrue(err.toString().contains("apt-get install dataset-fashion-mnist"), err.toString());
  }

  @Test
  void aMissingClientPropertiesFileIsOneLineNamingTheOption() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "learn", "--client-properties", "/nonexistent/client.properties"));
    assertOneLine(err, "--client-properties");
    assertTrue(err.toString().contains("/nonexistent/client.properties"), err.toString());
  }

  @Test
  void anEncoderFileOnnxRuntimeCannotLoadIsOneLineBeforeAnyJobStarts(@TempDir Path dir) throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.onnx"), "not a model");
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "learn", "--encoder", "file:" + garbage, "--bootstrap", "127.0.0.1:9"));
    assertOneLine(err, "is not a model ONNX Runtime can load");
  }

  @Test
  void aReportWithAnUnreadableBenchFileIsOneLineBeforeAnyTopicIsRead(@TempDir Path dir) throws Exception {
    Path notBench = Files.writeString(dir.resolve("bench.json"), "{\"machine\": [1, 2");
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "report", "split-fmnist", "--bench", notBench.toString(), "--bootstrap", "127.0.0.1:9"));
    assertOneLine(err, "Cannot read the bench figures " + notBench);
    assertTrue(err.toString().contains("streamcl bench --json FILE"), err.toString());
  }

  @Test
  void aBadOptionValueIsOneLineAndVerboseAddsTheStackTrace() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "learn", "--max-payload-bytes", "-1"));
    assertOneLine(err, "Invalid value '-1' for option --max-payload-bytes");
    StringWriter verbose = new StringWriter();
    assertEquals(1, run(verbose, "learn", "--max-payload-bytes", "-1", "--verbose"));
    assertTrue(verbose.toString().contains("\tat dev.streamcl."), "--verbose prints the stack trace: " + verbose);
  }

  @Test
  void evaluatingAnUnknownScenarioFailsNamingTheKnownOnes() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "evaluate", "foo-mnist", "--bootstrap", "127.0.0.1:9"));
    assertOneLine(err, "Unknown scenario 'foo-mnist'; known: split-fmnist");
  }

  @Test
  void evaluatingATopicPrefixWithNothingPublishedFailsSayingWhatToCheck() {
    StringWriter err = new StringWriter();
    String prefix = KafkaBrokerExtension.uniqueTopicPrefix("nothing");
    assertEquals(1, run(err, "evaluate", "split-fmnist", "--bootstrap", KafkaBrokerExtension.bootstrap(),
        "--topic-prefix", prefix));
    assertOneLine(err, "Topic " + prefix + ".model-updates does not exist");
    assertTrue(err.toString().contains("check --topic-prefix or publish first"), err.toString());
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"learn", "demo", "serve", "evaluate split-fmnist", "replay split-fmnist"})
  void aDeviceOnnxRuntimeCannotUseIsOneLineForEveryCommandThatTakesOne(String command) {
    // cuda:99: no such GPU even where a CUDA build of ONNX Runtime is on the classpath.
    List<String> args = new ArrayList<>(List.of(command.split(" ")));
    args.addAll(List.of("--device", "cuda:99", "--bootstrap", KafkaBrokerExtension.bootstrap(), "--topic-prefix",
        KafkaBrokerExtension.uniqueTopicPrefix("device")));
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, args.toArray(String[]::new)));
    assertOneLine(err, "ONNX Runtime cannot use cuda:99");
    assertTrue(err.toString().contains("--device cpu") && err.toString().contains("--cpu-fallback"), err.toString());
  }

  @Test
  void servingWithoutModelUpdatesSaysToRunTheLearnerFirst() {
    String prefix = KafkaBrokerExtension.uniqueTopicPrefix("serve-nothing");
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "serve", "--bootstrap", KafkaBrokerExtension.bootstrap(), "--topic-prefix", prefix));
    assertOneLine(err, "Topic " + prefix + ".model-updates does not exist");
    assertTrue(err.toString().contains("streamcl learn"), err.toString());
  }

  @Test
  void servingWithoutARequestsTopicSaysHowToCreateIt() {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("serve-no-requests"));
    KafkaTopics.create(KafkaBrokerExtension.bootstrap(), 2, topics.modelUpdates().name());
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "serve", "--bootstrap", KafkaBrokerExtension.bootstrap(), "--topic-prefix",
        topics.prefix()));
    assertOneLine(err, "Topic " + topics.requests().name() + " does not exist");
    assertTrue(err.toString().contains("create it with 2 partitions"), err.toString());
  }

  @Test
  void servingWhoseRequestsTopicVanishesExitsWithOneLineInsteadOfIdling() throws Exception {
    Topics topics = new Topics(KafkaBrokerExtension.uniqueTopicPrefix("serve-vanishing"));
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());
    KafkaTopics.create(KafkaBrokerExtension.bootstrap(), 1, topics.requests().name(), topics.modelUpdates().name(),
        topics.servedPredictions().name(), topics.deadLetters().name());
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> serve = CompletableFuture.supplyAsync(() -> run(err, "serve", "--bootstrap",
        KafkaBrokerExtension.bootstrap(), "--topic-prefix", topics.prefix(), "--encoder", "pixels:2x2"));
    awaitAnAnswer(clients, topics);

    try (Admin admin = Admin.create(clients.admin())) {
      admin.deleteTopics(List.of(topics.requests().name())).all().get(30, TimeUnit.SECONDS);
    }
    assertEquals(1, serve.get(2, TimeUnit.MINUTES), "serve exits once Kafka Streams shut its client down");
    assertOneLine(err, "Serving stopped: Kafka Streams found " + topics.requests().name());
  }

  /** Serving is up once it answered a request (with no model yet). */
  private static void awaitAnAnswer(ClientConfigs clients, Topics topics) throws Exception {
    Sample request = Sample.newBuilder().setStreamId("s").setSequence(1).setEventTime(Instant.ofEpochMilli(1))
        .setTaskId(null).setLabel(null).setInput(new RawImage(2, 2, 1, ByteBuffer.wrap(new byte[] {1, 2, 3, 4})))
        .build();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(clients.producer(null))) {
      producer.send(new ProducerRecord<>(topics.requests().name(), "s", EventCodec.samples().encode(request))).get();
    }
    try (TopicReader answers = new TopicReader(clients, topics.servedPredictions().name())) {
      answers.readFrom(Map.of(new TopicPartition(topics.servedPredictions().name(), 0), 0L), r -> !r.isEmpty(),
          Duration.ofMinutes(1), "serving's first answer");
    }
  }

  private static void assertOneLine(StringWriter err, String expected) {
    String printed = err.toString().strip();
    assertEquals(1, printed.lines().count(), "one line, no stack trace: " + printed);
    assertTrue(printed.contains(expected), printed);
  }

  private static int run(StringWriter err, String... args) {
    CommandLine cli = StreamCl.commandLine();
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }
}
