package dev.streamcl.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The one factory of Kafka client settings: a bootstrap address, optional client properties from a
 * file (security settings of a real cluster), and the exactly-once switch that every reader and
 * writer follows.
 */
public final class ClientConfigs implements Serializable {
  /** Below the broker's default {@code transaction.max.timeout.ms} of 15 minutes. */
  public static final int TRANSACTION_TIMEOUT_MS = 10 * 60 * 1000;

  private final String bootstrap;
  private final Properties extra;
  private final boolean exactlyOnce;

  public ClientConfigs(String bootstrap, Properties extra, boolean exactlyOnce) {
    this.bootstrap = bootstrap;
    this.extra = new Properties();
    if (extra != null) {
      this.extra.putAll(extra);
    }
    this.exactlyOnce = exactlyOnce;
  }

  public static ClientConfigs of(String bootstrap) {
    return new ClientConfigs(bootstrap, null, true);
  }

  /** Reads a client properties file (for example SASL/TLS settings); {@code null} means none. */
  public static Properties loadProperties(Path file) {
    Properties properties = new Properties();
    if (file == null) {
      return properties;
    }
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
      return properties;
    } catch (IOException e) {
      throw new IllegalArgumentException("Cannot read Kafka client properties file " + file + " ("
          + e.getClass().getSimpleName() + "): check the path given with --client-properties", e);
    }
  }

  public String bootstrap() {
    return bootstrap;
  }

  public boolean exactlyOnce() {
    return exactlyOnce;
  }

  /** Readers see only committed transactions when exactly-once is on. */
  public String isolationLevel() {
    return exactlyOnce ? "read_committed" : "read_uncommitted";
  }

  /** Common settings plus the user's client properties. */
  public Properties common() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.putAll(extra);
    return p;
  }

  public Properties admin() {
    return common();
  }

  /** A byte-array producer; transactional when a transactional id is given. */
  public Properties producer(String transactionalId) {
    Properties p = common();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    // gzip: the one codec every mainstream client decodes without plug-ins (kafkajs has no LZ4). Level 1:
    // on the 2-core dev machine about 80 MB/s on Fashion-MNIST samples (level 6: 36, LZ4: 260) for 2 % more bytes.
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
    p.put(ProducerConfig.COMPRESSION_GZIP_LEVEL_CONFIG, "1");
    if (transactionalId != null) {
      p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
      p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, Integer.toString(TRANSACTION_TIMEOUT_MS));
    }
    return p;
  }

  /** A byte-array consumer that reads only committed data when exactly-once is on. */
  public Properties consumer(String groupId) {
    Properties p = common();
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel());
    if (groupId != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    }
    return p;
  }

  /** Kafka Streams settings: {@code exactly_once_v2} when exactly-once is on. */
  public Properties streams(String applicationId) {
    Properties p = common();
    p.put("application.id", applicationId);
    p.put("processing.guarantee", exactlyOnce ? "exactly_once_v2" : "at_least_once");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return p;
  }
}
