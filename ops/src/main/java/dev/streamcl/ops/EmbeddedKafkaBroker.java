package dev.streamcl.ops;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft combined mode: broker and controller in one process) running inside
 * this JVM. Its data directory holds {@code server.properties} (the effective settings, for reference)
 * and {@code logs/} (formatted like {@code kafka-storage format} does, only when new).
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {
  /** Largest record batch the broker takes ({@code message.max.bytes}). */
  public static final int MAX_RECORD_BYTES = 8 << 20;

  private static final String HOST = "127.0.0.1";
  private static final long READY_TIMEOUT_MS = 60_000;

  private final Path dataDir;
  private final boolean deleteOnClose;
  private final int port;
  private final BrokerSecurity security;
  private final int controllerPort;
  private final KafkaRaftServer server;
  private final String clusterId;
  private boolean closed;

  private EmbeddedKafkaBroker(Builder b) throws IOException {
    this.deleteOnClose = b.dataDir == null;
    this.dataDir = b.dataDir != null ? b.dataDir.toAbsolutePath()
        : b.scratchParent != null ? Files.createTempDirectory(b.scratchParent, "kafka")
        : Files.createTempDirectory("streamcl-kafka-");
    this.port = b.port > 0 ? b.port : LocalPorts.free();
    this.security = b.security;
    this.controllerPort = b.controllerPort > 0 ? b.controllerPort : freePortOtherThan(port);
    this.clusterId = b.clusterId != null ? b.clusterId : Uuid.randomUuid().toString();
    KafkaRaftServer started = null;
    try {
      Properties props = serverProperties(b);
      formatIfNew();
      started = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
      started.startup();
      awaitReady();
    } catch (RuntimeException | IOException e) {
      stopQuietly(started);
      deleteDataDirIfTemp();
      throw e;
    }
    this.server = started;
  }

  /** A broker on free loopback ports with a temporary data directory and default settings. */
  public static EmbeddedKafkaBroker start() throws IOException {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  public String bootstrap() {
    return HOST + ":" + port;
  }

  public int port() {
    return port;
  }

  /** The KRaft controller's port: a broker restarted on the same data directory needs the same one. */
  public int controllerPort() {
    return controllerPort;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The security protocol of the client listener, e.g. {@code PLAINTEXT} or {@code SASL_SSL}. */
  public String protocol() {
    return security == null ? "PLAINTEXT" : security.protocol();
  }

  /** Admin client settings: bootstrap, and on a secured broker the super user's login. */
  public Properties adminProperties() {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    if (security != null) {
      p.putAll(security.adminClientProperties());
    }
    return p;
  }

  /** Creates topics that do not exist yet and waits until every partition has a leader. */
  public static Map<String, Integer> createTopics(String bootstrap, int partitions, String... topics) {
    return KafkaTopics.create(bootstrap, partitions, topics);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    server.awaitShutdown();
    deleteDataDirIfTemp();
  }

  private Properties serverProperties(Builder b) throws IOException {
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
    String listener = protocol();
    p.put("listeners", listener + "://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
    p.put("advertised.listeners", listener + "://" + HOST + ":" + port);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", listener);
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", dataDir.resolve("logs").toString());
    p.put("num.partitions", Integer.toString(b.partitions));
    p.put("auto.create.topics.enable", "true");
    // Records up to 8 MiB are taken, so the learner's own payload limit (1 MiB by default) is the one
    // that acts: an oversized sample is dead-lettered with its reason, not refused at the producer.
    p.put("message.max.bytes", Integer.toString(MAX_RECORD_BYTES));
    // A single node can only ever hold one replica of the internal topics.
    p.put("offsets.topic.replication.factor", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("min.insync.replicas", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // An exactly-once writer that commits every few ms (serving) can start its next transaction while the
    // broker still writes the last one's markers; the broker then retries adding the partition to the new
    // transaction every 20 ms by default, which a short transaction pays in full. Retrying every 1 ms keeps
    // such a commit at a few ms (measured here: a back-to-back transaction's first send 15 ms → 4 ms).
    p.put("add.partitions.to.txn.retry.backoff.ms", "1");
    // 50 partitions per internal topic (the default) cost seconds to create on a small machine.
    p.put("offsets.topic.num.partitions", "5");
    p.put("transaction.state.log.num.partitions", "5");
    if (security != null) {
      p.putAll(security.serverProperties());
    }
    p.putAll(b.overrides);
    Files.createDirectories(dataDir);
    // Owner-only: on a secured broker it holds the admin's password.
    Secrets.store(p, dataDir.resolve("server.properties"),
        "Written by EmbeddedKafkaBroker on every start; edits here are not read back");
    return p;
  }

  /** Formats the log directory like {@code kafka-storage format}, unless an earlier run did. */
  private void formatIfNew() {
    if (Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
      return;
    }
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of("format", "--cluster-id", clusterId,
        "--config", dataDir.resolve("server.properties").toString()));
    if (security != null) {
      args.addAll(security.formatArguments());
    }
    PrintStream printed = new PrintStream(output, true, StandardCharsets.UTF_8);
    int status = StorageTool.execute(args.toArray(String[]::new), printed);
    if (status != 0) {
      throw new IllegalStateException("Cannot format Kafka storage in " + dataDir + ": "
          + output.toString(StandardCharsets.UTF_8));
    }
  }

  /** {@code startup()} returns before the broker is unfenced; clients need it registered. */
  private void awaitReady() {
    try (Admin client = Admin.create(adminProperties())) {
      client.describeCluster().nodes().get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      client.listTopics().names().get(READY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("Kafka broker at " + bootstrap() + " did not become ready", e);
    }
  }

  private static void stopQuietly(KafkaRaftServer server) {
    if (server != null) {
      try {
        server.shutdown();
        server.awaitShutdown();
      } catch (RuntimeException e) {
        // Already failing: the start-up error is the one worth reporting.
      }
    }
  }

  private void deleteDataDirIfTemp() {
    if (!deleteOnClose) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dataDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete Kafka temp dir " + dataDir, e);
    }
  }

  // The client port's socket is closed again when the controller's is picked, so the OS may hand out the same one.
  private static int freePortOtherThan(int taken) {
    int port = LocalPorts.free();
    while (port == taken) {
      port = LocalPorts.free();
    }
    return port;
  }

  /** Settings of a broker to start; everything has a single-node default. */
  public static final class Builder {
    private Path dataDir;
    private Path scratchParent;
    private int port;
    private int controllerPort;
    private int partitions = 4;
    private BrokerSecurity security;
    private final Properties overrides = new Properties();
    private String clusterId;

    private Builder() {}

    /**
     * One node of a KRaft cluster of several (broker and controller in one process): its id, the controller quorum
     * ({@code id@host:controllerPort,...}), the cluster id every node is formatted with, and the replication factor
     * of the internal topics and of topics created without one; writes need {@code min(2, replicas)} in sync.
     */
    public Builder quorumNode(int nodeId, String voters, String clusterId, int replicas) {
      this.clusterId = clusterId;
      String inSync = Integer.toString(Math.min(2, replicas));
      property("node.id", Integer.toString(nodeId));
      property("controller.quorum.voters", voters);
      for (String topic : List.of("offsets.topic", "transaction.state.log", "share.coordinator.state.topic")) {
        property(topic + ".replication.factor", Integer.toString(replicas));
      }
      property("default.replication.factor", Integer.toString(replicas));
      property("transaction.state.log.min.isr", inSync);
      property("share.coordinator.state.topic.min.isr", inSync);
      property("min.insync.replicas", inSync);
      return this;
    }

    /** Keeps data here between runs; {@code null} (the default) means a temp dir deleted on close. */
    public Builder dataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** Without {@link #dataDir}: the temp dir deleted on close goes under {@code parent}, not the system's. */
    public Builder scratchIn(Path parent) {
      this.scratchParent = parent;
      return this;
    }

    /** Client port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** KRaft controller port; 0 (the default) picks a free one. */
    public Builder controllerPort(int port) {
      this.controllerPort = port;
      return this;
    }

    /** {@code num.partitions} of auto-created topics. */
    public Builder partitions(int partitions) {
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be at least 1, got " + partitions);
      }
      this.partitions = partitions;
      return this;
    }

    /** SASL/SCRAM, ACLs and maybe TLS on the client listener; {@code null} (the default): PLAINTEXT. */
    public Builder security(BrokerSecurity security) {
      this.security = security;
      return this;
    }

    /** Any broker setting, applied last. */
    public Builder property(String key, String value) {
      overrides.put(key, value);
      return this;
    }

    public EmbeddedKafkaBroker start() throws IOException {
      return new EmbeddedKafkaBroker(this);
    }
  }
}
