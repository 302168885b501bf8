package dev.streamcl.cli;

import dev.streamcl.ops.LocalKafka;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Starts a local single-node KRaft Kafka broker (options: --data-dir DIR, --port N, --partitions N); Ctrl-C stops it.")
final class BrokerCommand implements Callable<Integer> {
  @Parameters(arity = "0..*", description = "Options passed to the broker: --data-dir DIR (default .data/kafka), --port N (default 9092), --partitions N.")
  String[] args = new String[0];

  @Override
  public Integer call() throws Exception {
    LocalKafka.main(args);
    return 0;
  }
}
