package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LocalKafkaOptionsTest {

  @Test
  void defaultsMatchTheScripts() {
    assertEquals(new LocalKafka.Options(Path.of(".data/kafka"), 9092, 9093, 4, LocalKafka.Security.NONE, "streamcl",
        null), parse());
  }

  @Test
  void aSecuredBrokerKeepsItsDataApartUnlessTold() {
    assertEquals(new LocalKafka.Options(Path.of(".data/kafka-secured"), 9092, 9093, 4,
        LocalKafka.Security.SASL_SCRAM_TLS, "exp", null),
        parse("--security", "sasl-scram-tls", "--topic-prefix", "exp"));
    assertEquals(Path.of("kept"), parse("--security", "sasl-scram", "--data-dir", "kept").dataDir());
    assertEquals("--security must be none, sasl-scram or sasl-scram-tls, got 'kerberos'",
        assertThrows(IllegalArgumentException.class, () -> parse("--security", "kerberos")).getMessage());
  }

  @Test
  void controllerPortFollowsThePortUnlessGiven() {
    assertEquals(19093, parse("--port", "19092").controllerPort());
    assertEquals(0, parse("--port", "0").controllerPort());
    assertEquals(7000, parse("--controller-port", "7000", "--port", "19092").controllerPort());
  }

  @Test
  void aClusterNodeNeedsItsIdTheVotersAndTheClusterId() {
    assertEquals(new LocalKafka.Quorum(2, "1@h:1,2@h:2,3@h:3", "abc", 3), parse("--node-id", "2", "--voters",
        "1@h:1,2@h:2,3@h:3", "--cluster-id", "abc", "--replicas", "3").quorum());
    assertEquals("A cluster node needs --node-id, --voters and --cluster-id together",
        assertThrows(IllegalArgumentException.class, () -> parse("--node-id", "2")).getMessage());
  }

  @Test
  void badOptionsAreReported() {
    assertEquals("Unknown option --bogus",
        assertThrows(IllegalArgumentException.class, () -> parse("--bogus", "1")).getMessage());
    assertEquals("--port needs a number, got 'x'",
        assertThrows(IllegalArgumentException.class, () -> parse("--port", "x")).getMessage());
    assertEquals("Missing value after --partitions",
        assertThrows(IllegalArgumentException.class, () -> parse("--partitions")).getMessage());
  }

  private static LocalKafka.Options parse(String... args) {
    return LocalKafka.Options.parse(args);
  }
}
