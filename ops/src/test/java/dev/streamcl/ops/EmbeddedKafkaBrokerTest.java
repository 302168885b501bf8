package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broker life cycle on its own brokers: the shared test broker cannot show a restart or a cleanup. */
class EmbeddedKafkaBrokerTest {

  @Test
  void keptDataDirSurvivesRestart(@TempDir Path dir) throws Exception {
    Path dataDir = dir.resolve("kafka");
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).partitions(2).start()) {
      assertEquals(Map.of("kept", 3), EmbeddedKafkaBroker.createTopics(broker.bootstrap(), 3, "kept"));
    }
    String metaProperties = Files.readString(dataDir.resolve("logs/meta.properties"));
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().dataDir(dataDir).start()) {
      assertTrue(topicNames(broker.bootstrap()).contains("kept"));
      // Existing topics keep their partition count.
      assertEquals(Map.of("kept", 3), EmbeddedKafkaBroker.createTopics(broker.bootstrap(), 5, "kept"));
    }
    assertEquals(metaProperties, Files.readString(dataDir.resolve("logs/meta.properties")), "not re-formatted");
  }

  @Test
  void tempDataDirIsDeletedOnClose() throws Exception {
    Path dataDir;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start()) {
      dataDir = broker.dataDir();
      assertTrue(Files.isDirectory(dataDir.resolve("logs")));
    }
    assertFalse(Files.exists(dataDir));
  }

  @Test
  void scratchDataDirLivesInTheGivenFolderAndIsDeletedOnClose(@TempDir Path work) throws Exception {
    Path dataDir;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().scratchIn(work).start()) {
      dataDir = broker.dataDir();
      assertEquals(work, dataDir.getParent());
      assertTrue(Files.isDirectory(dataDir.resolve("logs")));
    }
    assertFalse(Files.exists(dataDir));
    assertTrue(Files.isDirectory(work), "the folder around it stays");
  }

  private static Set<String> topicNames(String bootstrap) throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin admin = Admin.create(p)) {
      return admin.listTopics().names().get();
    }
  }
}
