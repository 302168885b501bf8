package dev.streamcl.dashboard;

import dev.streamcl.cli.KafkaOptions;
import dev.streamcl.kafka.Topics;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "dashboard", mixinStandardHelpOptions = true,
    description = "Serves a live web page of a running pipeline: newest model versions and their age, prequential "
        + "and test accuracy, the accuracy matrix, samples/s, consumer lag, dead letters and drift alerts of one "
        + "topic prefix. Reads the topics without joining any consumer group; runs until Ctrl-C.")
public final class DashboardCommand implements Callable<Integer> {
  /** The port of `streamcl dashboard` and of `streamcl demo --dashboard` when none is given. */
  public static final int DEFAULT_PORT = 8088;

  @Mixin KafkaOptions kafka;

  @Option(names = "--port", defaultValue = "" + DEFAULT_PORT,
      description = "HTTP port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: "
      + "${DEFAULT-VALUE}, this machine only; 0.0.0.0 shows the page to other machines too).")
  String host;

  @Override
  public Integer call() throws InterruptedException {
    Topics topics = kafka.topics();
    DashboardServer server = DashboardServer.start(kafka.clients(), topics, host, port);
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "dashboard-shutdown"));
    System.out.println("Dashboard at " + server.url() + " (topics " + topics.prefix() + ".*; Ctrl-C to stop)");
    new CountDownLatch(1).await(); // serves until Ctrl-C ends the JVM
    return 0;
  }
}
