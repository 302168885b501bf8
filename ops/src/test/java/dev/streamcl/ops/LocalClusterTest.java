package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-process cluster: three KRaft nodes holding every partition three times, a JobManager with two
 * TaskManagers registered; a killed broker leaves its partitions writable on the other two, and a killed
 * TaskManager comes back and registers again.
 */
class LocalClusterTest {
  @TempDir Path work;

  @Test
  void startsThreeBrokersAndASessionClusterThatSurviveKilledNodes() throws Exception {
    try (LocalCluster cluster = LocalCluster.start(work, LocalCluster.Settings.defaults())) {
      assertEquals(List.of("kafka-1", "kafka-2", "kafka-3", "jobmanager", "taskmanager-1", "taskmanager-2"),
          cluster.nodeNames());
      assertEquals(2, cluster.registeredTaskManagers());
      Properties admin = new Properties();
      admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap());
      try (Admin client = Admin.create(admin)) {
        KafkaTopics.create(cluster.bootstrap(), 2, "cluster-test");
        TopicDescription topic = client.describeTopics(List.of("cluster-test")).allTopicNames()
            .get(30, TimeUnit.SECONDS).get("cluster-test");
        topic.partitions().forEach(p -> assertEquals(3, p.replicas().size(), "replicas of " + p));
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "cluster-test");
        Config config = client.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
        assertEquals("2", config.get("min.insync.replicas").value(), "writes wait for two replicas");

        cluster.kill("kafka-2");
        assertFalse(cluster.isRunning("kafka-2"));
        KafkaTopics.create(cluster.bootstrap(), 2, "after-a-broker-died");
        cluster.restart("kafka-2");
      }
      cluster.kill("taskmanager-1");
      cluster.restart("taskmanager-1");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (cluster.registeredTaskManagers() != 2 && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertTrue(cluster.isRunning("taskmanager-1"));
      assertEquals(2, cluster.registeredTaskManagers(), "the restarted TaskManager registered again");
    }
  }
}
