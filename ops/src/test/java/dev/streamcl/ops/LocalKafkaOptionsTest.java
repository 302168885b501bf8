package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalKafkaOptionsTest {

  @Test
  void defaultsMatchTheScripts() {
    assertEquals(new LocalKafka.Options(Path.of(".data/kafka"), 9092, 9093, 4), LocalKafka.Options.parse(new String[0]));
  }

  @Test
  void controllerPortFollowsThePortUnlessGiven() {
    assertEquals(19093, LocalKafka.Options.parse(new String[] {"--port", "19092"}).controllerPort());
    assertEquals(0, LocalKafka.Options.parse(new String[] {"--port", "0"}).controllerPort());
    assertEquals(7000, LocalKafka.Options.parse(new String[] {"--controller-port", "7000", "--port", "19092"}).controllerPort());
  }

  @Test
  void badOptionsAreReported() {
    assertEquals("Unknown option --bogus",
        assertThrows(IllegalArgumentException.class, () -> LocalKafka.Options.parse(new String[] {"--bogus", "1"})).getMessage());
    assertEquals("--port needs a number, got 'x'",
        assertThrows(IllegalArgumentException.class, () -> LocalKafka.Options.parse(new String[] {"--port", "x"})).getMessage());
    assertEquals("Missing value after --partitions",
        assertThrows(IllegalArgumentException.class, () -> LocalKafka.Options.parse(new String[] {"--partitions"})).getMessage());
  }
}
