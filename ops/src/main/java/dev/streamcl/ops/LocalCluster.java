package dev.streamcl.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.apache.kafka.common.Uuid;

/**
 * A real cluster on one machine, every node its own JVM started from Maven artifacts (no Flink distribution, no
 * Docker): a KRaft Kafka cluster of {@code brokers} nodes (each broker and controller, replication factor
 * {@code min(3, brokers)}, {@code min.insync.replicas} 2) and a Flink session cluster — a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and {@code taskManagers} {@code TaskManagerRunner}s, each with the
 * JVM memory options Flink derives from its process size, as Flink's own start scripts do. Jobs come as job jars
 * over the JobManager's REST port. Any node can be killed (SIGKILL) and started again on its ports and data.
 */
public final class LocalCluster implements AutoCloseable {
  private static final String HOST = "localhost";
  private static final Duration READY = Duration.ofSeconds(120);
  /** Native-code libraries load once per JVM: jobs must take them from the cluster's class loader, not their own. */
  public static final String PARENT_FIRST = "ai.onnxruntime.;ai.djl.";

  private final Path workDir;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final String bootstrap;
  private final int restPort;
  /** Stops the nodes when this JVM ends without {@link #close()} (a failed test, Ctrl-C): none outlives it. */
  private final Thread stopOnExit = new Thread(this::stopNodes, "local-cluster-stop");

  /** One process of the cluster: how to start it, and the running process when it runs. */
  private static final class Node {
    final List<String> command;
    final Path log;
    Process process;

    Node(List<String> command, Path log) {
      this.command = command;
      this.log = log;
    }
  }

  /** What to start: the number of Kafka nodes and TaskManagers, the slots and process memory of each TaskManager. */
  public record Settings(int brokers, int taskManagers, int slotsPerTaskManager, String taskManagerMemory) {
    public static Settings defaults() {
      return new Settings(3, 2, 2, "1600m");
    }
  }

  private LocalCluster(Path workDir, Settings settings) throws IOException {
    this.workDir = workDir.toAbsolutePath();
    Files.createDirectories(this.workDir);
    String classpath = classpath();
    int[] kafkaPorts = LocalPorts.free(2 * settings.brokers());
    String voters = java.util.stream.IntStream.range(0, settings.brokers())
        .mapToObj(i -> (i + 1) + "@" + HOST + ":" + kafkaPorts[2 * i + 1]).collect(Collectors.joining(","));
    String clusterId = Uuid.randomUuid().toString();
    List<String> brokerAddresses = new ArrayList<>();
    for (int i = 0; i < settings.brokers(); i++) {
      String name = "kafka-" + (i + 1);
      brokerAddresses.add(HOST + ":" + kafkaPorts[2 * i]);
      nodes.put(name, new Node(java(classpath, List.of("-Xmx384m", "-XX:+UseSerialGC"), "dev.streamcl.ops.LocalKafka",
          List.of("--data-dir", this.workDir.resolve(name).toString(), "--port", Integer.toString(kafkaPorts[2 * i]),
              "--controller-port", Integer.toString(kafkaPorts[2 * i + 1]), "--partitions", "2",
              "--node-id", Integer.toString(i + 1), "--voters", voters, "--cluster-id", clusterId,
              "--replicas", Integer.toString(Math.min(3, settings.brokers())))), log(name)));
    }
    this.bootstrap = String.join(",", brokerAddresses);
    int[] flinkPorts = LocalPorts.free(3);
    this.restPort = flinkPorts[0];
    Path conf = writeFlinkConfig(settings, flinkPorts);
    Configuration flink = GlobalConfiguration.loadConfiguration(conf.toString());
    nodes.put("jobmanager", new Node(java(classpath, jobManagerJvm(flink),
        "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
        List.of("--configDir", conf.toString())), log("jobmanager")));
    TaskExecutorProcessSpec taskManager = TaskExecutorProcessUtils.processSpecFromConfig(flink);
    List<String> jvm = List.of(ProcessMemoryUtils.generateJvmParametersStr(taskManager).trim().split(" +"));
    List<String> args = new ArrayList<>(List.of("--configDir", conf.toString()));
    args.addAll(List.of(TaskExecutorProcessUtils.generateDynamicConfigsStr(taskManager).trim().split(" +")));
    for (int i = 1; i <= settings.taskManagers(); i++) {
      nodes.put("taskmanager-" + i, new Node(java(classpath, jvm,
          "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args), log("taskmanager-" + i)));
    }
  }

  /**
   * Starts a fresh cluster in {@code --work-dir} (default .data/cluster; what an earlier one left there is deleted),
   * prints where it answers, writes {@code cluster.properties} there (addresses and each node's pid, for
   * {@code kill -9}), and runs until SIGTERM or Ctrl-C, which stops every node: {@code ops/bin/cluster-start.sh}.
   */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(".data/cluster");
    Settings defaults = Settings.defaults();
    int brokers = defaults.brokers();
    int taskManagers = defaults.taskManagers();
    int slots = defaults.slotsPerTaskManager();
    String memory = defaults.taskManagerMemory();
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--work-dir" -> dir = Path.of(args[i + 1]);
        case "--brokers" -> brokers = Integer.parseInt(args[i + 1]);
        case "--taskmanagers" -> taskManagers = Integer.parseInt(args[i + 1]);
        case "--slots" -> slots = Integer.parseInt(args[i + 1]);
        case "--taskmanager-memory" -> memory = args[i + 1];
        default -> throw new IllegalArgumentException("Unknown option " + args[i] + "; options: --work-dir DIR "
            + "--brokers N --taskmanagers N --slots N --taskmanager-memory SIZE");
      }
    }
    Folders.deleteRecursively(dir);
    LocalCluster cluster = start(dir, new Settings(brokers, taskManagers, slots, memory));
    StringBuilder properties = new StringBuilder("bootstrap=" + cluster.bootstrap() + "\nflink.rest="
        + cluster.flinkRest() + "\n");
    cluster.nodes.forEach((name, node) -> properties.append("pid.").append(name).append('=')
        .append(node.process.pid()).append('\n'));
    Files.writeString(cluster.workDir.resolve("cluster.properties"), properties);
    System.out.println("Kafka bootstrap " + cluster.bootstrap() + " (" + brokers + " brokers)");
    System.out.println("Flink REST http://" + cluster.flinkRest() + " (" + taskManagers + " TaskManagers of " + slots
        + " slots): streamcl learn --flink " + cluster.flinkRest() + " --bootstrap " + cluster.bootstrap());
    System.out.println("Local cluster ready; logs and pids in " + cluster.workDir);
    new java.util.concurrent.CountDownLatch(1).await();
  }

  /** Starts every node and waits until the brokers answer and every TaskManager has registered. */
  public static LocalCluster start(Path workDir, Settings settings) throws IOException {
    LocalCluster cluster = new LocalCluster(workDir, settings);
    Runtime.getRuntime().addShutdownHook(cluster.stopOnExit);
    try {
      for (String name : cluster.nodes.keySet()) {
        cluster.startNode(name);
      }
      cluster.awaitKafka();
      cluster.awaitTaskManagers(settings.taskManagers());
      return cluster;
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  /** The Kafka cluster's bootstrap servers. */
  public String bootstrap() {
    return bootstrap;
  }

  /** The JobManager's REST address, {@code host:port}, where {@code streamcl learn --flink} submits. */
  public String flinkRest() {
    return HOST + ":" + restPort;
  }

  /** The nodes by name: kafka-1 …, jobmanager, taskmanager-1 …. */
  public List<String> nodeNames() {
    return List.copyOf(nodes.keySet());
  }

  public Path log(String node) {
    return workDir.resolve(node + ".log");
  }

  /** Kills a node as a crash would (SIGKILL: no shutdown hook, no clean close) and waits until it is gone. */
  public void kill(String name) throws InterruptedException {
    Process process = node(name).process;
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts a node again (after {@link #kill}) on its ports, data and configuration. */
  public void restart(String name) throws IOException {
    if (node(name).process != null && node(name).process.isAlive()) {
      throw new IllegalStateException(name + " is running");
    }
    startNode(name);
  }

  public boolean isRunning(String name) {
    return node(name).process != null && node(name).process.isAlive();
  }

  /** Registered TaskManagers, from the JobManager's REST API (-1 while it does not answer). */
  public int registeredTaskManagers() {
    String overview = rest("/overview");
    if (overview == null) {
      return -1;
    }
    Matcher m = Pattern.compile("\"taskmanagers\"\\s*:\\s*(\\d+)").matcher(overview);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /** GET on the JobManager's REST API: the body, or null when it does not answer 200. */
  public String rest(String path) {
    try {
      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(new URI("http://" + flinkRest() + path)).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? response.body() : null;
    } catch (IOException | URISyntaxException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Stops every node: TaskManagers and JobManager first, then the brokers. */
  @Override
  public void close() {
    stopNodes();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs or ran
    }
  }

  private void stopNodes() {
    List<String> order = new ArrayList<>(nodes.keySet());
    java.util.Collections.reverse(order);
    for (String name : order) {
      Process process = nodes.get(name).process;
      if (process != null && process.isAlive()) {
        process.destroy();
        try {
          if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          process.destroyForcibly();
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  private Node node(String name) {
    Node node = nodes.get(name);
    if (node == null) {
      throw new IllegalArgumentException("No node " + name + "; the cluster has " + nodes.keySet());
    }
    return node;
  }

  private void startNode(String name) throws IOException {
    Node node = node(name);
    node.process = new ProcessBuilder(node.command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(node.log.toFile())).start();
  }

  private void awaitKafka() throws IOException {
    for (String name : nodes.keySet()) {
      if (name.startsWith("kafka-")) {
        await(name, () -> Files.readString(log(name)).contains("Kafka broker ready at"));
      }
    }
  }

  private void awaitTaskManagers(int count) throws IOException {
    await("jobmanager", () -> registeredTaskManagers() >= count);
  }

  private interface Check {
    boolean done() throws IOException;
  }

  private void await(String node, Check check) throws IOException {
    long deadline = System.nanoTime() + READY.toNanos();
    while (!check.done()) {
      for (Map.Entry<String, Node> e : nodes.entrySet()) {
        if (e.getValue().process != null && !e.getValue().process.isAlive()) {
          throw new IllegalStateException(e.getKey() + " exited while the cluster started; see " + log(e.getKey()));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(node + " was not ready after " + READY.toSeconds() + " s; see " + log(node));
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while the cluster started", e);
      }
    }
  }

  /** Where the cluster's JVMs serve their metrics for Prometheus, each the first port of the range free. */
  public static final String METRICS_PORTS = "9251-9260";

  /** Flink's configuration: one JobManager at fixed local ports, the TaskManagers' slots and memory. */
  private Path writeFlinkConfig(Settings settings, int[] ports) throws IOException {
    Path conf = Files.createDirectories(workDir.resolve("flink-conf"));
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", HOST);
    c.put("jobmanager.rpc.port", Integer.toString(ports[1]));
    c.put("jobmanager.bind-host", HOST);
    c.put("blob.server.port", Integer.toString(ports[2]));
    c.put("rest.address", HOST);
    c.put("rest.bind-address", HOST);
    c.put("rest.port", Integer.toString(ports[0]));
    c.put("taskmanager.host", HOST);
    c.put("taskmanager.bind-host", HOST);
    c.put("jobmanager.memory.process.size", "768m");
    c.put("taskmanager.memory.process.size", settings.taskManagerMemory());
    c.put("taskmanager.memory.managed.fraction", "0.1");
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(settings.slotsPerTaskManager()));
    c.put("parallelism.default", "2");
    c.put("classloader.parent-first-patterns.additional", PARENT_FIRST);
    // A lost TaskManager is noticed within seconds, not the default 50 s.
    c.put("heartbeat.interval", "1000");
    c.put("heartbeat.timeout", "5000");
    c.put("io.tmp.dirs", Files.createDirectories(workDir.resolve("flink-tmp")).toString());
    // Metrics for Prometheus (ops/prometheus/prometheus.yml): each JVM serves /metrics on the first free port.
    c.put("metrics.reporter.prom.factory.class", "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    c.put("metrics.reporter.prom.port", METRICS_PORTS);
    StringBuilder yaml = new StringBuilder("# Written by LocalCluster on every start.\n");
    c.forEach((key, value) -> yaml.append(key).append(": ").append(value).append('\n'));
    Files.writeString(conf.resolve(GlobalConfiguration.FLINK_CONF_FILENAME), yaml.toString());
    return conf;
  }

  private static List<String> jobManagerJvm(Configuration flink) {
    JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(flink);
    List<String> jvm = new ArrayList<>(List.of(JobManagerProcessUtils.generateJvmParametersStr(spec, flink)
        .trim().split(" +")));
    return jvm;
  }

  private List<String> java(String classpath, List<String> jvm, String main, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvm);
    command.add("-Dlog4j2.configurationFile=" + log4jConfig());
    command.addAll(List.of("--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"));
    command.addAll(List.of("-cp", classpath, main));
    command.addAll(args);
    return command;
  }

  /** Console logging at INFO, into each node's log file. */
  private String log4jConfig() {
    Path file = workDir.resolve("log4j2.properties");
    if (!Files.exists(file)) {
      try {
        Files.writeString(file, String.join("\n", "rootLogger.level = INFO", "rootLogger.appenderRef.out.ref = out",
            "appender.out.type = Console", "appender.out.name = out", "appender.out.layout.type = PatternLayout",
            "appender.out.layout.pattern = %d{HH:mm:ss.SSS} %-5p %c{1} - %m%n", "logger.kafka.name = kafka",
            "logger.kafka.level = WARN", "logger.kafkaorg.name = org.apache.kafka", "logger.kafkaorg.level = WARN",
            ""));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return file.toString();
  }

  /** This module's classes and its runtime dependencies: a Flink distribution's lib/ plus the Kafka server. */
  static String classpath() {
    try (InputStream in = LocalCluster.class.getResourceAsStream("cluster-classpath.txt")) {
      if (in == null) {
        throw new IllegalStateException("cluster-classpath.txt is missing beside LocalCluster: build ops with Maven");
      }
      String own = Path.of(LocalCluster.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      return own + java.io.File.pathSeparator + new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException | URISyntaxException e) {
      throw new IllegalStateException("Cannot read the cluster's classpath", e);
    }
  }
}
