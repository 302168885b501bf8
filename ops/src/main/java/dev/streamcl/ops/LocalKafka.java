package dev.streamcl.ops;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs a local single-node Kafka in the foreground until Ctrl-C (or SIGTERM from
 * {@code ops/bin/kafka-stop.sh}). Data stay in the data dir between runs.
 *
 * <pre>
 * java dev.streamcl.ops.LocalKafka [--data-dir .data/kafka] [--port 9092] [--controller-port PORT+1] [--partitions 4]
 *     [--security none|sasl-scram|sasl-scram-tls] [--topic-prefix streamcl]
 *     [--node-id N --voters 1@host:port,... --cluster-id ID --replicas R]   (one node of a KRaft cluster)
 * </pre>
 */
public final class LocalKafka {
  private LocalKafka() {}

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println("Starts a local single-node Kafka broker; Ctrl-C stops it.");
      System.out.println(Options.USAGE);
      return;
    }
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    String busy = busyPort(options.port, options.controllerPort);
    if (busy != null) {
      System.err.println(
          "Port " + busy + " on 127.0.0.1 is in use (another Kafka?): stop it, or pass --port/--controller-port");
      System.exit(1);
      return;
    }
    EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder()
        .port(options.port)
        .controllerPort(options.controllerPort)
        .partitions(options.partitions);
    if (options.quorum != null) {
      builder.quorumNode(options.quorum.nodeId, options.quorum.voters, options.quorum.clusterId,
          options.quorum.replicas);
    }
    EmbeddedKafkaBroker broker = options.security == Security.NONE
        ? builder.dataDir(options.dataDir).start()
        : startSecured(builder, options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.out.println("Stopping Kafka broker at " + broker.bootstrap());
      broker.close();
      stopped.countDown();
    }, "local-kafka-shutdown"));
    System.out.println("Kafka data in " + broker.dataDir());
    System.out.println("Kafka broker ready at " + broker.bootstrap() + " (" + broker.protocol() + ")");
    stopped.await();
  }

  /** Starts a broker with SASL/SCRAM and ACLs, and prints how each user connects. */
  private static EmbeddedKafkaBroker startSecured(EmbeddedKafkaBroker.Builder builder, Options options)
      throws IOException {
    SecuredLocalKafka secured = SecuredLocalKafka.start(builder, options.dataDir,
        options.security == Security.SASL_SCRAM_TLS, options.topicPrefix);
    String connect = "--bootstrap " + secured.broker().bootstrap() + " --client-properties ";
    System.out.println("SASL mechanism " + BrokerSecurity.MECHANISM + "; ACLs: what no ACL allows is denied");
    System.out.println("User " + SecuredLocalKafka.PIPELINE_USER + " (all operations on topics " + options.topicPrefix
        + "*, groups and transactional ids " + KafkaAccess.CLIENT_ID_PREFIX + "*): streamcl <command> " + connect
        + secured.clientPropertiesFile(SecuredLocalKafka.PIPELINE_USER));
    System.out.println("User " + BrokerSecurity.ADMIN + " (super user, e.g. for kafka-acls.sh --command-config): "
        + secured.clientPropertiesFile(BrokerSecurity.ADMIN));
    return secured.broker();
  }

  /** Kafka's own bind error comes as a long stack trace after seconds of start-up; check first. */
  private static String busyPort(int... ports) {
    for (int port : ports) {
      if (port == 0) {
        continue;
      }
      if (!LocalPorts.isFree(port)) {
        return Integer.toString(port);
      }
    }
    return null;
  }

  /** How clients log in: not at all, SASL/SCRAM over TCP, or SASL/SCRAM over TLS. */
  enum Security {
    NONE("none"), SASL_SCRAM("sasl-scram"), SASL_SCRAM_TLS("sasl-scram-tls");

    private final String optionValue;

    Security(String optionValue) {
      this.optionValue = optionValue;
    }

    static Security of(String value) {
      for (Security security : values()) {
        if (security.optionValue.equals(value)) {
          return security;
        }
      }
      throw new IllegalArgumentException("--security must be none, sasl-scram or sasl-scram-tls, got '" + value + "'");
    }
  }

  /** One node's place in a KRaft cluster of several. */
  record Quorum(int nodeId, String voters, String clusterId, int replicas) {}

  /** Command-line options; unknown ones are an error rather than silently ignored. */
  record Options(Path dataDir, int port, int controllerPort, int partitions, Security security, String topicPrefix,
      Quorum quorum) {
    static final String USAGE =
        "Usage: LocalKafka [--data-dir DIR (.data/kafka; secured: .data/kafka-secured)] [--port N (9092)]"
            + " [--controller-port N (port+1; 0 = free)] [--partitions N (4)]"
            + " [--security none|sasl-scram|sasl-scram-tls (none)] [--topic-prefix P (streamcl; the pipeline user's"
            + " topics)] [--node-id N --voters ID@HOST:PORT,... --cluster-id ID --replicas R (a node of a cluster)]";

    static Options parse(String[] args) {
      Path dataDir = null;
      int port = 9092;
      int controllerPort = -1;
      int partitions = 4;
      Security security = Security.NONE;
      String topicPrefix = "streamcl";
      int nodeId = -1;
      String voters = null;
      String clusterId = null;
      int replicas = 1;
      for (int i = 0; i < args.length; i++) {
        String name = args[i];
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("Missing value after " + name);
        }
        String value = args[++i];
        switch (name) {
          case "--data-dir" -> dataDir = Path.of(value);
          case "--port" -> port = number(name, value);
          case "--controller-port" -> controllerPort = number(name, value);
          case "--partitions" -> partitions = number(name, value);
          case "--security" -> security = Security.of(value);
          case "--topic-prefix" -> topicPrefix = value;
          case "--node-id" -> nodeId = number(name, value);
          case "--voters" -> voters = value;
          case "--cluster-id" -> clusterId = value;
          case "--replicas" -> replicas = number(name, value);
          default -> throw new IllegalArgumentException("Unknown option " + name);
        }
      }
      if (controllerPort < 0) {
        controllerPort = port == 0 ? 0 : port + 1;
      }
      if (dataDir == null) {
        // A data dir formatted without the admin's SCRAM credential cannot be secured later.
        dataDir = Path.of(security == Security.NONE ? ".data/kafka" : ".data/kafka-secured");
      }
      Quorum quorum = null;
      if (nodeId >= 0 || voters != null || clusterId != null) {
        if (nodeId < 0 || voters == null || clusterId == null) {
          throw new IllegalArgumentException("A cluster node needs --node-id, --voters and --cluster-id together");
        }
        quorum = new Quorum(nodeId, voters, clusterId, replicas);
      }
      return new Options(dataDir, port, controllerPort, partitions, security, topicPrefix, quorum);
    }

    private static int number(String name, String value) {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " needs a number, got '" + value + "'");
      }
    }
  }
}
