package dev.streamcl.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code streamcl} command line. */
@Command(name = "streamcl", mixinStandardHelpOptions = true, version = "StreamCL 0.1.0",
    description = "Streaming continual learning on Kafka, Flink and ONNX Runtime.",
    subcommands = {DemoCommand.class, BrokerCommand.class, PublishCommand.class, LearnCommand.class, ServeCommand.class})
public final class StreamCl {
  private StreamCl() {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new StreamCl()).execute(args));
  }
}
