package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.EmbeddedKafkaBroker;
import dev.streamcl.ops.KafkaAccess;
import dev.streamcl.ops.KafkaBrokerExtension;
import dev.streamcl.ops.KafkaTopics;
import dev.streamcl.ops.SecuredLocalKafka;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.SplitFashionMnist;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The pipeline on the broker of {@code streamcl broker --security sasl-scram-tls} (SASL/SCRAM-SHA-512
 * over TLS, ACLs), run through the command line with the client properties file the broker wrote: the
 * pipeline user publishes, learns and evaluates; a wrong password and a missing ACL (in publish, in the
 * Flink job, in the serving service) each end the command with one line saying who was refused what.
 */
class SecuredBrokerTest {
  private static final String LEARN_OPTIONS = "--encoder pixels:28x28 --learners nmc --parallelism 1 "
      + "--publish-every 20 --batch-size 16 --checkpoint-interval-ms 200";

  @TempDir static Path dir;
  private static SecuredLocalKafka kafka;

  @BeforeAll
  static void startSecuredBroker() throws Exception {
    long start = System.nanoTime();
    kafka = SecuredLocalKafka.start(EmbeddedKafkaBroker.builder().partitions(2),
        dir.resolve("kafka"), true, Topics.DEFAULT_PREFIX);
    System.out.printf("secured broker (%s) with users ready in %d ms%n", kafka.broker().protocol(),
        (System.nanoTime() - start) / 1_000_000);
  }

  @AfterAll
  static void stopSecuredBroker() {
    kafka.close();
  }

  @Test
  void theAuthorisedUserRunsThePipelineAndAnOversizedSampleIsDeadLettered() throws Exception {
    Topics topics = new Topics(prefix("pipeline"));
    Path properties = kafka.clientPropertiesFile(SecuredLocalKafka.PIPELINE_USER);
    assertEquals(0, streamcl(new StringWriter(), properties, topics, "publish", "split-fmnist",
        "--samples-per-task", "20", "--no-progress"));
    int oversizedBytes = publishOversizedSample(clients(properties), topics);

    assertEquals(0, streamcl(new StringWriter(), properties, topics, ("learn --bounded " + LEARN_OPTIONS).split(" ")));
    List<ModelUpdate> updates = readAll(clients(properties), topics.modelUpdates().name(), EventCodec.modelUpdates());
    assertFalse(updates.isEmpty(), "model updates are readable");
    List<DeadLetter> letters = readAll(clients(properties), topics.deadLetters().name(), EventCodec.deadLetters());
    assertEquals(1, letters.size(), letters.toString());
    assertEquals(DeadLetterReason.OVERSIZED, letters.get(0).getReason());

    StringWriter err = new StringWriter();
    assertEquals(0, streamcl(err, properties, topics, "evaluate", "split-fmnist", "--encoder", "pixels:28x28"), err
        .toString());
    assertFalse(readAll(clients(properties), topics.eval().name(), EventCodec.evalResults()).isEmpty());
    System.out.printf("over %s as user %s: %d model updates; a %,d-byte sample dead-lettered as %s; evaluation "
        + "written%n", kafka.broker().protocol(), SecuredLocalKafka.PIPELINE_USER, updates.size(), oversizedBytes,
        letters.get(0).getReason());
  }

  @Test
  void aWrongPasswordIsOneLineNamingTheUserAndTheMechanism() throws Exception {
    Path properties = kafka.clientPropertiesFile(SecuredLocalKafka.PIPELINE_USER);
    Properties client = ClientConfigs.loadProperties(properties);
    client.put("sasl.jaas.config", client.getProperty("sasl.jaas.config").replaceAll("password=\"[^\"]*\"",
        "password=\"wrong\""));
    Path wrong = dir.resolve("wrong-password.properties");
    try (OutputStream out = Files.newOutputStream(wrong)) {
      client.store(out, null);
    }
    StringWriter err = new StringWriter();
    assertEquals(1, streamcl(err, wrong, new Topics(prefix("wrong")), "publish", "split-fmnist", "--no-progress"));
    assertOneLine(err, "refused the login of user 'streamcl' (SASL SCRAM-SHA-512): authentication failed");
    assertTrue(err.toString().contains(wrong.toString()), err.toString());
  }

  @Test
  void aMissingWriteAclIsOneLineNamingTheOperationTheTopicAndTheAclToAdd() throws Exception {
    Topics topics = new Topics(prefix("nowrite"));
    Path properties = userWithout("nowrite", AclOperation.WRITE);
    StringWriter err = new StringWriter();
    assertEquals(1, streamcl(err, properties, topics, "publish", "split-fmnist", "--samples-per-task", "5",
        "--no-progress"));
    assertOneLine(err, "denied User:nowrite WRITE on topic " + topics.samples().name());
    assertTrue(err.toString().contains("--add --allow-principal User:nowrite --operation WRITE --topic "
        + topics.samples().name()), err.toString());
  }

  @Test
  void aMissingReadAclFailingTheFlinkJobIsOneLineToo() throws Exception {
    Topics topics = new Topics(prefix("noread"));
    Path pipeline = kafka.clientPropertiesFile(SecuredLocalKafka.PIPELINE_USER);
    assertEquals(0, streamcl(new StringWriter(), pipeline, topics, "publish", "split-fmnist", "--samples-per-task",
        "5", "--no-progress"));
    Path properties = userWithout("noread", AclOperation.READ);
    StringWriter err = new StringWriter();
    assertEquals(1, streamcl(err, properties, topics, ("learn --bounded " + LEARN_OPTIONS).split(" ")));
    assertOneLine(err, "denied User:noread READ on topic " + topics.samples().name());
  }

  @Test
  void aMissingReadAclStoppingTheServingServiceIsOneLineToo() throws Exception {
    Topics topics = new Topics(prefix("noserving"));
    KafkaTopics.create(kafka.broker().adminProperties(), 2, List.of(topics.requests().name(),
        topics.modelUpdates().name(), topics.servedPredictions().name()));
    Path properties = userWithout("noserving", AclOperation.READ);
    StringWriter err = new StringWriter();
    assertEquals(1, assertTimeoutPreemptively(Duration.ofMinutes(2),
        () -> streamcl(err, properties, topics, "serve", "--encoder", "pixels:28x28")));
    assertOneLine(err, "denied User:noserving READ on topic " + Topics.DEFAULT_PREFIX + "-");
  }

  /** A user allowed the pipeline's ACLs except {@code missing} on its topics. */
  private static Path userWithout(String user, AclOperation missing) throws Exception {
    Path properties = kafka.addUser(user, user + "Secret1");
    List<AclBinding> acls = new ArrayList<>();
    for (AclOperation op : List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE,
        AclOperation.DESCRIBE_CONFIGS)) {
      if (op != missing) {
        acls.add(KafkaAccess.allow(user, KafkaAccess.prefixed(ResourceType.TOPIC, Topics.DEFAULT_PREFIX), op));
      }
    }
    acls.add(KafkaAccess.allow(user, KafkaAccess.prefixed(ResourceType.GROUP, KafkaAccess.CLIENT_ID_PREFIX),
        AclOperation.ALL));
    acls.add(KafkaAccess.allow(user, KafkaAccess.prefixed(ResourceType.TRANSACTIONAL_ID, KafkaAccess.CLIENT_ID_PREFIX),
        AclOperation.ALL));
    KafkaAccess.grant(kafka.broker().adminProperties(), acls);
    return properties;
  }

  /** A 1.5 MB sample: above the learner's 1 MiB payload limit, below the broker's record limit. */
  private static int publishOversizedSample(ClientConfigs clients, Topics topics) throws Exception {
    byte[] pixels = new byte[1500 * 1000];
    Sample template = new SplitFashionMnist(FashionMnist.atDefaultLocation(), 42, 20).trainingSample("big", 0);
    Sample huge = Sample.newBuilder(template).setInput(new RawImage(1500, 1000, 1, ByteBuffer.wrap(pixels))).build();
    Properties config = clients.producer(null);
    config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(EmbeddedKafkaBroker.MAX_RECORD_BYTES));
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
      producer.send(new ProducerRecord<>(topics.samples().name(), "big", EventCodec.samples().encode(huge))).get();
    }
    return pixels.length;
  }

  private static ClientConfigs clients(Path properties) {
    return new ClientConfigs(kafka.broker().bootstrap(), ClientConfigs.loadProperties(properties), true);
  }

  private static <T extends org.apache.avro.specific.SpecificRecord> List<T> readAll(ClientConfigs clients,
      String topic, EventCodec<T> codec) {
    try (TopicReader reader = new TopicReader(clients, topic)) {
      return reader.readAll().stream().map(r -> codec.decode(r.value())).toList();
    }
  }

  /** Topic names the pipeline user's prefixed ACLs cover, and no other test uses. */
  private static String prefix(String test) {
    return Topics.DEFAULT_PREFIX + "-" + KafkaBrokerExtension.uniqueTopicPrefix(test);
  }

  private static int streamcl(StringWriter err, Path properties, Topics topics, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap", kafka.broker().bootstrap(), "--client-properties", properties.toString(),
        "--topic-prefix", topics.prefix()));
    CommandLine cli = StreamCl.commandLine();
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(all.toArray(String[]::new));
  }

  private static void assertOneLine(StringWriter err, String expected) {
    String printed = err.toString().strip();
    assertEquals(1, printed.lines().count(), "one line, no stack trace: " + printed);
    assertTrue(printed.contains(expected), printed);
    System.out.println("printed: " + printed);
  }
}
