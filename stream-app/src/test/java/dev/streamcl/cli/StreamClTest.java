package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.ops.KafkaBrokerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a person sees when a command cannot run: one line saying what is wrong and what to do. */
@ExtendWith(KafkaBrokerExtension.class)
class StreamClTest {
  @Test
  void anUnreachableBrokerIsReportedWithWhatToDo() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    StringWriter err = new StringWriter();
    int exit = run(err, "publish", "split-fmnist", "--bootstrap", "127.0.0.1:" + closedPort);
    assertEquals(1, exit);
    assertTrue(err.toString().contains("No Kafka broker answered at 127.0.0.1:" + closedPort), err.toString());
    assertTrue(err.toString().contains("streamcl broker"), err.toString());
  }

  @Test
  void anUnknownScenarioNamesTheKnownOnes() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "publish", "split-cifar"));
    assertTrue(err.toString().contains("known: split-fmnist"), err.toString());
  }

  @Test
  void aMissingDatasetSaysHowToInstallIt() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "demo", "--data-dir", "/nonexistent/fashion-mnist"));
    assertTrue(err.toString().contains("apt-get install dataset-fashion-mnist"), err.toString());
  }

  @Test
  void aMissingClientPropertiesFileIsOneLineNamingTheOption() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "learn", "--client-properties", "/nonexistent/client.properties"));
    assertOneLine(err, "--client-properties");
    assertTrue(err.toString().contains("/nonexistent/client.properties"), err.toString());
  }

  @Test
  void anEncoderFileOnnxRuntimeCannotLoadIsOneLineBeforeAnyJobStarts(@TempDir Path dir) throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.onnx"), "not a model");
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "learn", "--encoder", "file:" + garbage, "--bootstrap", "127.0.0.1:9"));
    assertOneLine(err, "is not a model ONNX Runtime can load");
  }

  @Test
  void aBadOptionValueIsOneLineAndVerboseAddsTheStackTrace() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "learn", "--max-payload-bytes", "-1"));
    assertOneLine(err, "Invalid value '-1' for option --max-payload-bytes");
    StringWriter verbose = new StringWriter();
    assertEquals(1, run(verbose, "learn", "--max-payload-bytes", "-1", "--verbose"));
    assertTrue(verbose.toString().contains("\tat dev.streamcl."), "--verbose prints the stack trace: " + verbose);
  }

  @Test
  void evaluatingAnUnknownScenarioFailsNamingTheKnownOnes() {
    StringWriter err = new StringWriter();
    assertEquals(1, run(err, "evaluate", "foo-mnist", "--bootstrap", "127.0.0.1:9"));
    assertOneLine(err, "Unknown scenario 'foo-mnist'; known: split-fmnist");
  }

  @Test
  void evaluatingATopicPrefixWithNothingPublishedFailsSayingWhatToCheck() {
    StringWriter err = new StringWriter();
    String prefix = KafkaBrokerExtension.uniqueTopicPrefix("nothing");
    assertEquals(1, run(err, "evaluate", "split-fmnist", "--bootstrap", KafkaBrokerExtension.bootstrap(),
        "--topic-prefix", prefix));
    assertOneLine(err, "Topic " + prefix + ".model-updates does not exist");
    assertTrue(err.toString().contains("check --topic-prefix or publish first"), err.toString());
  }

  private static void assertOneLine(StringWriter err, String expected) {
    String printed = err.toString().strip();
    assertEquals(1, printed.lines().count(), "one line, no stack trace: " + printed);
    assertTrue(printed.contains(expected), printed);
  }

  private static int run(StringWriter err, String... args) {
    CommandLine cli = StreamCl.commandLine();
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }
}
