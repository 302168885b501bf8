package dev.streamcl.faults;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code streamcl} command in a JVM of its own, so a test can kill it with SIGKILL and start it again. */
final class StreamClProcess {
  private final String command;
  private final Process process;

  private StreamClProcess(String command, Process process) {
    this.command = command;
    this.process = process;
  }

  /** Starts {@code streamcl COMMAND ARGS} on the test's class path; its output is appended to {@code log}. */
  static StreamClProcess start(Path log, String command, List<String> args) throws IOException {
    List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "--add-opens=java.base/java.util=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "-Dlog4j2.configurationFile=" + Path.of("src/main/resources/log4j2-cli.xml").toAbsolutePath(),
        "-cp", System.getProperty("java.class.path"), "dev.streamcl.cli.StreamCl", command));
    line.addAll(args);
    return new StreamClProcess(command, new ProcessBuilder(line).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs, no checkpoint is taken, open transactions stay open. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
  }

  /** The exit code, once the process ends within {@code minutes}; fails when it does not. */
  int awaitExit(int minutes) throws InterruptedException {
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("streamcl " + command + " did not finish within " + minutes + " minutes");
    }
    return process.exitValue();
  }
}
