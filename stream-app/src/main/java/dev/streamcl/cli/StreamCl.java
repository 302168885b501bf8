package dev.streamcl.cli;

import dev.streamcl.dashboard.DashboardCommand;
import dev.streamcl.kafka.MissingTopicException;
import dev.streamcl.onnx.DeviceUnavailableException;
import dev.streamcl.scenario.DatasetNotFoundException;
import dev.streamcl.scenario.ScenarioMismatchException;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/** The {@code streamcl} command line. */
@Command(name = "streamcl", mixinStandardHelpOptions = true, version = "StreamCL 0.1.0",
    description = "Streaming continual learning on Kafka, Flink and ONNX Runtime.",
    subcommands = {DemoCommand.class, BrokerCommand.class, PublishCommand.class, LearnCommand.class, ServeCommand.class,
        EvaluateCommand.class, ReportCommand.class, ReplayCommand.class, BenchCommand.class, ScaleOutCommand.class,
        DashboardCommand.class})
public final class StreamCl {
  private static final String VERBOSE = "--verbose";

  @Option(names = VERBOSE, scope = ScopeType.INHERIT,
      description = "On a failure, print the stack trace too (otherwise one line says what went wrong).")
  boolean verbose;

  private StreamCl() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /**
   * Every failure ends the command with exit code 1 and one line saying what went wrong; problems the
   * person can fix (bad options, a missing file or dataset, an unreachable broker, a refused login, a
   * missing ACL) say what to do, and
   * only {@code --verbose} adds the stack trace.
   */
  static CommandLine commandLine() {
    return new CommandLine(new StreamCl()).setExecutionExceptionHandler((e, cmd, parsed) -> {
      Optional<String> accessError = KafkaAccessErrors.explain(e, optionValue(cmd, "--bootstrap"),
          optionValue(cmd, "--client-properties"));
      cmd.getErr().println(cmd.getColorScheme().errorText(accessError.orElseGet(() -> oneLine(e))));
      if (verbose(parsed)) {
        e.printStackTrace(cmd.getErr());
      } else if (accessError.isEmpty() && !isUserError(e)) {
        cmd.getErr().println("(" + VERBOSE + " prints the stack trace)");
      }
      return 1;
    });
  }

  private static boolean isUserError(Exception e) {
    return e instanceof UserError || e instanceof DatasetNotFoundException || e instanceof ScenarioMismatchException
        || e instanceof IllegalArgumentException || e instanceof MissingTopicException
        || e instanceof DeviceUnavailableException;
  }

  /** The failure's message, and its root cause's when that says more. */
  static String oneLine(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (root != e && root.getMessage() != null && !message.contains(root.getMessage())) {
      message += " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
    return message.lines().findFirst().orElse(message);
  }

  /** The value of the failed command's option (its default if not given), or null if it has none. */
  @SuppressWarnings("unchecked")
  private static <T> T optionValue(CommandLine cmd, String name) {
    OptionSpec option = cmd.getCommandSpec().findOption(name);
    return option == null ? null : (T) option.getValue();
  }

  private static boolean verbose(ParseResult parsed) {
    for (ParseResult p = parsed; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption(VERBOSE)) {
        return true;
      }
    }
    return false;
  }
}
