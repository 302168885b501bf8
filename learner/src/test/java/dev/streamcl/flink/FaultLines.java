package dev.streamcl.flink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * The one-line results of fault-injection tests ({@code injected N, lost L, duplicated D, ...}): printed,
 * and written to {@code target/fault-injection.txt} so CI's log can show them (Surefire keeps test output
 * in report files). The first line of a test JVM starts the file afresh, so it holds this run's lines.
 */
final class FaultLines {
  static final Path FILE = Path.of("target", "fault-injection.txt");
  private static boolean started;

  private FaultLines() {}

  static synchronized void append(String line) {
    System.out.println(line);
    try {
      Files.createDirectories(FILE.getParent());
      StandardOpenOption mode = started ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
      Files.write(FILE, List.of(line), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          mode);
      started = true;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + FILE.toAbsolutePath(), e);
    }
  }
}
