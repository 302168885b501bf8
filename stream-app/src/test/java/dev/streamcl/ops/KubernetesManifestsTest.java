package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.Topics;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The Kubernetes manifests in ops/k8s (not applied here: no Kubernetes cluster, no Docker engine) hold what the
 * local cluster holds: the job's arguments parse with the job's own parser, every Flink setting is an option Flink
 * 2.2 knows, native libraries load parent-first as on LocalCluster, and the Kafka cluster replicates as it does.
 */
class KubernetesManifestsTest {
  private static final Path K8S = Path.of("..", "ops", "k8s");

  @Test
  void theFlinkDeploymentRunsTheJobWithSettingsFlinkKnows() throws IOException {
    Map<String, Object> deployment = only(documents("flink-learner.yaml"), "FlinkDeployment");
    Map<String, Object> spec = map(deployment, "spec");
    Map<String, Object> job = map(spec, "job");
    KafkaLearnerJob.Arguments arguments = KafkaLearnerJob.parse(((List<?>) job.get("args")).stream()
        .map(String::valueOf).toArray(String[]::new));
    LearnerJobConfig config = arguments.config();
    assertEquals(KafkaLearnerJob.class.getName(), job.get("entryClass"));
    assertEquals(job.get("parallelism"), config.parallelism(), "the job's parallelism and its --parallelism");
    assertEquals(2, config.streamParallelism());
    Map<String, Object> kafka = only(documents("kafka.yaml"), "Kafka");
    assertEquals(map(kafka, "metadata").get("name") + "-kafka-bootstrap:9092", arguments.bootstrap(),
        "Strimzi's bootstrap service of the Kafka cluster");

    Map<String, Object> flink = map(spec, "flinkConfiguration");
    Set<String> known = knownFlinkKeys();
    flink.keySet().forEach(key -> assertTrue(known.contains(key), key + " is not an option of Flink 2.2"));
    assertEquals(LocalCluster.PARENT_FIRST, flink.get("classloader.parent-first-patterns.additional"));
    assertEquals(String.valueOf(LocalCluster.Settings.defaults().slotsPerTaskManager()),
        flink.get("taskmanager.numberOfTaskSlots"));
    assertEquals(LocalCluster.Settings.defaults().taskManagers(), map(spec, "taskManager").get("replicas"));
    assertEquals(LocalCluster.Settings.defaults().taskManagerMemory(),
        map(map(spec, "taskManager"), "resource").get("memory"));
  }

  @Test
  void theKafkaClusterReplicatesLikeTheLocalOneAndHoldsThePipelinesTopics() throws IOException {
    List<Map<String, Object>> kafka = documents("kafka.yaml");
    Map<String, Object> pool = only(kafka, "KafkaNodePool");
    assertEquals(LocalCluster.Settings.defaults().brokers(), map(pool, "spec").get("replicas"));
    assertEquals(List.of("controller", "broker"), map(pool, "spec").get("roles"));
    Map<String, Object> config = map(map(map(only(kafka, "Kafka"), "spec"), "kafka"), "config");
    assertEquals(3, config.get("default.replication.factor"));
    assertEquals(2, config.get("min.insync.replicas"));
    assertEquals(2, config.get("transaction.state.log.min.isr"));
    Topics topics = new Topics("streamcl");
    Set<String> declared = new HashSet<>();
    kafka.stream().filter(d -> "KafkaTopic".equals(d.get("kind"))).forEach(d -> {
      declared.add(String.valueOf(map(d, "metadata").get("name")));
      assertEquals(3, map(d, "spec").get("replicas"), "replicas of " + map(d, "metadata").get("name"));
    });
    assertEquals(Set.of(topics.samples().name(), topics.keyInit().name(), topics.modelUpdates().name(),
        topics.predictions().name(), topics.deadLetters().name(), topics.alerts().name(),
        topics.requests().name()), declared);
  }

  /** Keys (and deprecated or fallback keys) of the option classes a Flink deployment is configured with. */
  private static Set<String> knownFlinkKeys() {
    Set<String> keys = new HashSet<>(Set.of("classloader.parent-first-patterns.additional"));
    for (Class<?> options : List.of(CheckpointingOptions.class, CoreOptions.class, HeartbeatManagerOptions.class,
        HighAvailabilityOptions.class, JobManagerOptions.class, RestartStrategyOptions.class,
        TaskManagerOptions.class)) {
      for (Field field : options.getFields()) {
        if (Modifier.isStatic(field.getModifiers()) && ConfigOption.class.isAssignableFrom(field.getType())) {
          try {
            ConfigOption<?> option = (ConfigOption<?>) field.get(null);
            keys.add(option.key());
            for (FallbackKey fallback : option.fallbackKeys()) {
              keys.add(fallback.getKey());
            }
          } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
          }
        }
      }
    }
    return keys;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> documents(String file) throws IOException {
    List<Map<String, Object>> documents = new ArrayList<>();
    Load load = new Load(LoadSettings.builder().build());
    for (Object document : load.loadAllFromString(Files.readString(K8S.resolve(file)))) {
      documents.add((Map<String, Object>) document);
    }
    return documents;
  }

  private static Map<String, Object> only(List<Map<String, Object>> documents, String kind) {
    List<Map<String, Object>> matching = documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    assertEquals(1, matching.size(), "documents of kind " + kind);
    return matching.get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Map<String, Object> parent, String key) {
    return (Map<String, Object>) parent.get(key);
  }
}
