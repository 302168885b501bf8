package dev.streamcl.cli;

import dev.streamcl.bench.Bench;
import dev.streamcl.report.DriftLines;
import dev.streamcl.report.ReportBuilder;
import dev.streamcl.report.ReportData;
import dev.streamcl.report.ReportSection;
import dev.streamcl.report.ReportWriter;
import dev.streamcl.report.SummaryTable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Writes an HTML report with PNG charts (accuracy vs samples seen, accuracy matrices, metrics) "
        + "from the eval, predictions and model-update topics, and prints a summary table.")
final class ReportCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Parameters(index = "0", description = "Scenario that was evaluated, e.g. split-fmnist")
  String scenario;

  @Option(names = "--stream-id", defaultValue = "split-fmnist", description = "Stream id (default: ${DEFAULT-VALUE}).")
  String streamId;

  @Option(names = "--out", defaultValue = "streamcl-report",
      description = "Directory to write (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--window", defaultValue = "1000",
      description = "Labelled predictions in the prequential accuracy window (default: ${DEFAULT-VALUE}).")
  int window;

  @Option(names = "--bench", paramLabel = "FILE",
      description = "Adds the figures of a `streamcl bench` run (its JSON file) to the report.")
  Path bench;

  @Override
  public Integer call() {
    List<ReportSection> extra = benchSection(); // a wrong file fails before the topics are read
    ReportData data;
    try {
      data = new ReportBuilder(kafka.clients(), kafka.topics(), scenario, window).build(streamId);
    } catch (IllegalStateException nothingToReport) {
      throw new UserError(nothingToReport.getMessage());
    }
    Path html = ReportWriter.write(data, out, extra);
    System.out.print(SummaryTable.format(data));
    System.out.println();
    System.out.print(DriftLines.format(data));
    System.out.println("Report: " + html.toAbsolutePath());
    return 0;
  }

  private List<ReportSection> benchSection() {
    if (bench == null) {
      return List.of();
    }
    try {
      return List.of(new ReportSection("bench", "Throughput and latency (streamcl bench)",
          Bench.table(Bench.read(bench))));
    } catch (IOException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName()
          : e.getMessage().lines().findFirst().orElse(""); // Jackson adds the source position on a line of its own
      throw new UserError("Cannot read the bench figures " + bench + " (" + why
          + ") — give the JSON file that `streamcl bench --json FILE` wrote");
    }
  }
}
