package dev.streamcl.cli;

import dev.streamcl.kafka.Topics;
import dev.streamcl.ops.LocalKafka;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Starts a local single-node KRaft Kafka broker from the project's own artifacts; Ctrl-C stops it.")
final class BrokerCommand implements Callable<Integer> {
  @Option(names = "--data-dir",
      description = "Broker data, kept between runs (default: .data/kafka; with --security: .data/kafka-secured).")
  Path dataDir;

  @Option(names = "--port", defaultValue = "9092",
      description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--controller-port", description = "KRaft controller port (default: port + 1).")
  Integer controllerPort;

  @Option(names = "--partitions", defaultValue = "4",
      description = "Partitions of auto-created topics (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--security", defaultValue = "none", description = "none, sasl-scram (SASL/SCRAM-SHA-512 logins "
      + "and ACLs) or sasl-scram-tls (the same over TLS with a self-signed certificate); secured brokers create the "
      + "users admin and streamcl and print the --client-properties file of each (default: ${DEFAULT-VALUE}).")
  String security;

  @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
      description = "With --security: the topics user streamcl may use start with this (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Override
  public Integer call() throws Exception {
    List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port),
        "--partitions", Integer.toString(partitions), "--security", security, "--topic-prefix", topicPrefix));
    if (dataDir != null) {
      args.addAll(List.of("--data-dir", dataDir.toString()));
    }
    if (controllerPort != null) {
      args.addAll(List.of("--controller-port", controllerPort.toString()));
    }
    LocalKafka.main(args.toArray(String[]::new));
    return 0;
  }
}
