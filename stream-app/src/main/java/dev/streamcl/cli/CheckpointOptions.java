package dev.streamcl.cli;

import dev.streamcl.flink.JobProperties;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.kafka.ClientConfigs;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
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

  /** The job's checkpoint folder (emptied with --fresh) and what identifies the job: settings and input topic ids. */
  LocalFlink.Resumable resumable(ClientConfigs clients, String topicPrefix, String job, LearnerJobConfig config,
      Collection<String> inputTopics, boolean bounded) {
    CheckpointFolder folder = new CheckpointFolder(root == null ? CheckpointFolder.defaultRoot() : root, topicPrefix,
        job);
    if (fresh) {
      folder.discard();
    }
    Map<String, String> identity = new TreeMap<>(JobProperties.of(config));
    identity.put("bounded", Boolean.toString(bounded));
    topicIds(clients, inputTopics).forEach((topic, id) -> identity.put("input." + topic + ".topicId", id));
    return new LocalFlink.Resumable(folder, identity, bounded);
  }

  /** Kafka's ids of the input topics: a topic deleted and created again gets a new id, and old offsets mean nothing. */
  private static Map<String, String> topicIds(ClientConfigs clients, Collection<String> topics) {
    Map<String, String> ids = new TreeMap<>();
    try (Admin admin = Admin.create(clients.admin())) {
      Map<String, TopicDescription> descriptions = admin.describeTopics(topics).allTopicNames()
          .get(30, TimeUnit.SECONDS);
      descriptions.forEach((topic, description) -> ids.put(topic, description.topicId().toString()));
    } catch (ExecutionException e) {
      throw new UserError("Cannot describe the input topics " + topics + " (" + e.getCause().getMessage()
          + "): publish samples first (`streamcl publish`) or check --topic-prefix");
    } catch (TimeoutException e) {
      throw new UserError("Kafka did not describe the input topics " + topics + " within 30 s: is the broker up?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return ids;
  }
}
