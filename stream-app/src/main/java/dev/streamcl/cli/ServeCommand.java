package dev.streamcl.cli;

import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.serving.ServingService;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serves predictions for the requests topic with hot-swapped models (Kafka Streams, exactly-once).")
final class ServeCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Mixin EncoderOptions encoding;

  @Option(names = "--label-limit", defaultValue = "" + LearnerJobOptions.DEFAULT_LABEL_LIMIT,
      description = "Number of classes: true labels on requests must lie in [0, N) (default: ${DEFAULT-VALUE}).")
  int labelLimit;

  @Override
  public Integer call() throws Exception {
    ServingService service = new ServingService(kafka.clients(), kafka.topics(), encoding.encoderSpec(),
        encoding.computeDevice(), labelLimit, new Properties());
    // Close inside the hook: the JVM exits when hooks return, and a clean close commits the last transaction.
    Runtime.getRuntime().addShutdownHook(new Thread(service::close, "serve-shutdown"));
    service.start();
    System.out.println("Serving " + kafka.topics().requests().name() + " → " + kafka.topics().servedPredictions().name()
        + " (Ctrl-C to stop)");
    // Until Ctrl-C ends the JVM, or the service fails (a denied ACL, say): then StreamCl says why.
    Throwable failure = service.failure().get();
    service.close();
    throw new IllegalStateException("Serving stopped: " + failure.getMessage(), failure);
  }
}
