package dev.streamcl.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

  @Test
  void withoutATerminalPrintsOneLinePerTenPercent() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(buffer, true, StandardCharsets.UTF_8), "topic", 1_000, false);
    for (long done = 1; done <= 1_000; done++) {
      bar.update(done);
    }
    bar.finish(1_000);

    String[] lines = buffer.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(10, lines.length);
    assertTrue(lines[0].startsWith("topic [###---------------------------]  10% 100/1,000 records, "), lines[0]);
    assertTrue(lines[9].contains("100% 1,000/1,000 records"), lines[9]);
    assertTrue(lines[9].endsWith(" records/s"), lines[9]);
  }

  @Test
  void onATerminalRedrawsOneLineAndEndsIt() {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    ProgressBar bar = new ProgressBar(new PrintStream(buffer, true, StandardCharsets.UTF_8), "t", 10, true);
    for (long done = 1; done <= 10; done++) {
      bar.update(done); // redrawn at most every 250 ms: here once
    }
    bar.finish(10);

    String out = buffer.toString(StandardCharsets.UTF_8);
    assertEquals(2, out.chars().filter(c -> c == '\r').count(), out);
    assertTrue(out.startsWith("\rt [###"), out);
    assertTrue(out.contains("\rt [##############################] 100% 10/10 records, "), out);
    assertTrue(out.endsWith(" records/s" + System.lineSeparator()), out);
  }
}
