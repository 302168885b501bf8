package dev.streamcl.cli;

import dev.streamcl.flink.JobProperties;
import dev.streamcl.flink.KafkaLearnerJob;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.ops.KafkaTopics;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.admin.TopicDescription;
import picocli.CommandLine.Option;

/** Where a learner job keeps the checkpoints it resumes from, and how to start it afresh. */
final class CheckpointOptions {
  @Option(names = "--checkpoint-dir", description = "Root of the folders where jobs keep the checkpoints they resume "
      + "from, one per topic prefix and job (default: $" + CheckpointFolder.ROOT_ENV
      + ", else ~/.streamcl/checkpoints).")
  Path root;

  @Option(names = "--fresh", description = "Discard this job's checkpoints and learn from the start: model versions "
      + "restart at 1 on the same topics.")
  boolean fresh;

  /**
   * The job's checkpoint folder (emptied with --fresh) and what identifies the job: settings and the ids
   * of the topics it reads ({@code samplesTopic} and the learners' warm-up topics).
   */
  LocalFlink.Resumable resumable(ClientConfigs clients, String topicPrefix, String job, LearnerJobConfig config,
      String samplesTopic, boolean bounded) {
    CheckpointFolder folder = new CheckpointFolder(root == null ? CheckpointFolder.defaultRoot() : root, topicPrefix,
        job);
    if (fresh) {
      folder.discard();
    }
    Map<String, String> identity = new TreeMap<>(JobProperties.of(config));
    identity.put("bounded", Boolean.toString(bounded));
    KafkaLearnerJob.createWarmupTopics(clients, config);
    topicIds(clients, KafkaLearnerJob.inputTopics(samplesTopic, config))
        .forEach((topic, id) -> identity.put("input." + topic + ".topicId", id));
    return new LocalFlink.Resumable(folder, identity, bounded);
  }

  /** Kafka's ids of the input topics: a topic deleted and created again gets a new id, and old offsets mean nothing. */
  private static Map<String, String> topicIds(ClientConfigs clients, Collection<String> topics) {
    Map<String, TopicDescription> descriptions = KafkaTopics.describe(clients.admin(), topics);
    List<String> missing = topics.stream().filter(topic -> !descriptions.containsKey(topic)).toList();
    if (!missing.isEmpty()) {
      throw new UserError("The input topics " + missing + " do not exist on " + clients.bootstrap()
          + ": publish samples first (`streamcl publish`) or check --topic-prefix");
    }
    Map<String, String> ids = new TreeMap<>();
    descriptions.forEach((topic, description) -> ids.put(topic, description.topicId().toString()));
    return ids;
  }
}
