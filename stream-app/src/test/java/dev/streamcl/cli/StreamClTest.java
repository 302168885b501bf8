package dev.streamcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What a person sees when a command cannot run: one line saying what is wrong and what to do. */
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

  private static int run(StringWriter err, String... args) {
    CommandLine cli = StreamCl.commandLine();
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }
}
