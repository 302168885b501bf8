package dev.streamcl.cli;

import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.Topics;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where Kafka is and which topics to use; shared by every command. */
public final class KafkaOptions {
  @Option(names = "--bootstrap", defaultValue = "127.0.0.1:9092",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}, the broker of `streamcl broker`).")
  String bootstrap;

  @Option(names = "--client-properties",
      description = "Kafka client properties file, e.g. the SASL/TLS settings of a real cluster.")
  Path clientProperties;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
      description = "Prefix of every topic name (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  public ClientConfigs clients() {
    return new ClientConfigs(bootstrap, ClientConfigs.loadProperties(clientProperties), true);
  }

  public Topics topics() {
    return new Topics(topicPrefix);
  }
}
