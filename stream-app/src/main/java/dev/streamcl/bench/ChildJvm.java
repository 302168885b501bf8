package dev.streamcl.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code streamcl} command in a JVM of its own, as a user runs it: its own heap, its own peak
 * resident set (read from {@code /proc/<pid>/status} while it runs) and CPU time, its output in a log file.
 */
final class ChildJvm implements AutoCloseable {
  /** JVM options added to every child, e.g. a flight recording to profile the job; %run names the run. */
  static final String EXTRA_OPTIONS = "STREAMCL_BENCH_JOB_JAVA_OPTIONS";

  private final Process process;
  private final Path log;
  private final AtomicLong peakRssKiB = new AtomicLong();
  private final AtomicLong cpuNanos = new AtomicLong();
  private final Thread rssWatch;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
    rssWatch = new Thread(this::watchRss, "rss-of-" + process.pid());
    rssWatch.setDaemon(true);
    rssWatch.start();
  }

  /** Starts {@code streamcl args...} with this JVM's class path and JVM options; output goes to {@code log}. */
  static ChildJvm streamcl(List<String> args, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!option.startsWith("-agentlib") && !option.startsWith("-XX:StartFlightRecording")) {
        command.add(option);
      }
    }
    String extra = System.getenv(EXTRA_OPTIONS);
    if (extra != null && !extra.isBlank()) {
      String run = log.getFileName().toString().replaceFirst("\\.log$", "");
      command.addAll(List.of(extra.replace("%run", run).trim().split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.streamcl.cli.StreamCl"));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new ChildJvm(process, log);
  }

  /** Waits for the command to end; fails with the end of its log when it does not end well. */
  void awaitSuccess(Duration limit) throws Exception {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      close();
      throw new IllegalStateException("streamcl did not finish within " + limit + "; its log: " + log);
    }
    if (process.exitValue() != 0) {
      throw new IllegalStateException("streamcl exited with " + process.exitValue() + ": " + tail());
    }
  }

  /** The largest resident set seen (the kernel's high-water mark, VmHWM), in bytes. */
  long peakRssBytes() {
    return peakRssKiB.get() * 1024;
  }

  /**
   * CPU time the JVM used (all its threads, user and system) as last seen while it ran: a figure that,
   * unlike wall time, other work on a shared machine barely moves.
   */
  double cpuSeconds() {
    return cpuNanos.get() / 1e9;
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    }
  }

  private void watchRss() {
    Path status = Path.of("/proc", Long.toString(process.pid()), "status");
    while (process.isAlive()) {
      process.info().totalCpuDuration().ifPresent(cpu -> cpuNanos.accumulateAndGet(cpu.toNanos(), Math::max));
      try {
        for (String line : Files.readAllLines(status)) {
          if (line.startsWith("VmHWM:")) {
            peakRssKiB.accumulateAndGet(Long.parseLong(line.replaceAll("\\D", "")), Math::max);
          }
        }
        Thread.sleep(100);
      } catch (IOException | NumberFormatException e) {
        return; // the process ended between the check and the read, or there is no /proc
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private String tail() throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
  }
}
