package dev.streamcl.cli;

import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.serving.ServingService;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
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
    CountDownLatch stopped = new CountDownLatch(1);
    ServingService service = new ServingService(kafka.clients(), kafka.topics(), encoding.encoderSpec(),
        encoding.computeDevice(), labelLimit, new Properties());
    // Close inside the hook: the JVM exits when hooks return, and a clean close commits the last transaction.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      stopped.countDown();
    }, "serve-shutdown"));
    service.start();
    System.out.println("Serving " + kafka.topics().requests().name() + " → " + kafka.topics().servedPredictions().name()
        + " (Ctrl-C to stop)");
    stopped.await();
    return 0;
  }
}
