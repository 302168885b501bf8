package dev.streamcl.cli;

import dev.streamcl.scenario.DatasetNotFoundException;
import dev.streamcl.scenario.ScenarioMismatchException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code streamcl} command line. */
@Command(name = "streamcl", mixinStandardHelpOptions = true, version = "StreamCL 0.1.0",
    description = "Streaming continual learning on Kafka, Flink and ONNX Runtime.",
    subcommands = {DemoCommand.class, BrokerCommand.class, PublishCommand.class, LearnCommand.class, ServeCommand.class,
        EvaluateCommand.class, ReportCommand.class, ReplayCommand.class})
public final class StreamCl {
  private StreamCl() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new StreamCl()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof UserError || e instanceof DatasetNotFoundException || e instanceof ScenarioMismatchException
          || e instanceof IllegalArgumentException) {
        cmd.getErr().println(cmd.getColorScheme().errorText(e.getMessage()));
        return 1;
      }
      throw e;
    });
  }
}
