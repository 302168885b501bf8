package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker of {@code streamcl broker --security sasl-scram}: the pipeline user writes and reads its
 * topics with the client properties file written for it, a wrong password is refused at login, a topic
 * outside its prefix is denied, and a restart on the kept data dir keeps every login.
 */
class SecuredLocalKafkaTest {

  @Test
  void pipelineUserIsAuthenticatedAndConfinedToItsTopics(@TempDir Path dir) throws Exception {
    try (SecuredLocalKafka kafka = SecuredLocalKafka.start(EmbeddedKafkaBroker.builder().partitions(1), dir, false,
        "streamcl")) {
      Properties user = clientConfig(kafka, SecuredLocalKafka.PIPELINE_USER);
      assertEquals("SASL_PLAINTEXT", user.getProperty("security.protocol"));
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(kafka.clientPropertiesFile(SecuredLocalKafka.PIPELINE_USER))));
      KafkaTopics.create(user, 1, List.of("streamcl.own"));
      send(user, "streamcl.own", "hello");
      assertEquals(List.of("hello"), readAll(user, "streamcl.own"));

      ExecutionException denied = assertThrows(ExecutionException.class, () -> send(user, "elsewhere", "x"));
      assertInstanceOf(TopicAuthorizationException.class, denied.getCause());

      Properties wrongPassword = clientConfig(kafka, SecuredLocalKafka.PIPELINE_USER);
      wrongPassword.put("sasl.jaas.config", wrongPassword.getProperty("sasl.jaas.config")
          .replaceAll("password=\"[^\"]*\"", "password=\"wrong\""));
      try (Admin admin = Admin.create(wrongPassword)) {
        ExecutionException refused = assertThrows(ExecutionException.class,
            () -> admin.describeCluster().clusterId().get());
        assertInstanceOf(SaslAuthenticationException.class, refused.getCause());
      }
    }
    try (SecuredLocalKafka again = SecuredLocalKafka.start(EmbeddedKafkaBroker.builder(), dir, false, "streamcl")) {
      assertEquals(List.of("hello"), readAll(clientConfig(again, SecuredLocalKafka.PIPELINE_USER), "streamcl.own"),
          "the same password logs in after a restart");
    }
  }

  private static Properties clientConfig(SecuredLocalKafka kafka, String user) throws Exception {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(kafka.clientPropertiesFile(user))) {
      p.load(in);
    }
    p.put("bootstrap.servers", kafka.broker().bootstrap());
    return p;
  }

  private static void send(Properties client, String topic, String value) throws Exception {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.send(new ProducerRecord<>(topic, value)).get();
    }
  }

  private static List<String> readAll(Properties client, String topic) {
    Properties p = new Properties();
    p.putAll(client);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    TopicPartition partition = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      Map<TopicPartition, Long> end = consumer.endOffsets(List.of(partition));
      List<String> values = new ArrayList<>();
      while (consumer.position(partition) < end.get(partition)) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
          values.add(record.value());
        }
      }
      return values;
    }
  }
}
