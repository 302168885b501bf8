package dev.streamcl.flink;

import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

/**
 * A bounded {@link KafkaSource} that also ends when a job is started from a checkpoint. The
 * connector's enumerator (5.0.0-2.2) tells readers "no more splits" only after a partition discovery
 * that found new partitions; restored with every partition already assigned, it never does, and the
 * readers wait forever at the end of their splits. Here, once the topics' partitions are listed and
 * none is new, every reader is told.
 */
final class RestorableBoundedSource<T>
    implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
  private final KafkaSource<T> source;
  private final List<String> topics;
  private final Properties admin;

  RestorableBoundedSource(KafkaSource<T> source, List<String> topics, Properties admin) {
    this.source = source;
    this.topics = List.copyOf(topics);
    this.admin = admin;
  }

  @Override
  public Boundedness getBoundedness() {
    return source.getBoundedness();
  }

  @Override
  public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context) throws Exception {
    return source.createReader(context);
  }

  @Override
  public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
      SplitEnumeratorContext<KafkaPartitionSplit> context) {
    return source.createEnumerator(context);
  }

  @Override
  public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
      SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state) throws Exception {
    Set<TopicPartition> known = new HashSet<>();
    state.splits().forEach(s -> known.add(s.split().getTopicPartition()));
    return new EndingEnumerator(source.restoreEnumerator(context, state), context, known);
  }

  @Override
  public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
    return source.getSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
    return source.getEnumeratorCheckpointSerializer();
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return source.getProducedType();
  }

  private Set<TopicPartition> partitions() throws Exception {
    Set<TopicPartition> partitions = new HashSet<>();
    try (Admin client = Admin.create(admin)) {
      client.describeTopics(topics).allTopicNames().get(1, TimeUnit.MINUTES).forEach((topic, description) ->
          description.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition()))));
    }
    return partitions;
  }

  /** The restored enumerator, plus "no more splits" for every reader once no partition turned out new. */
  private final class EndingEnumerator implements SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> {
    private final SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored;
    private final SplitEnumeratorContext<KafkaPartitionSplit> context;
    private final Set<TopicPartition> known;
    private boolean allAssigned;

    EndingEnumerator(SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restored,
        SplitEnumeratorContext<KafkaPartitionSplit> context, Set<TopicPartition> known) {
      this.restored = restored;
      this.context = context;
      this.known = known;
    }

    @Override
    public void start() {
      restored.start();
      context.callAsync(RestorableBoundedSource.this::partitions, (partitions, error) -> {
        // New partitions, or none listed: the restored enumerator assigns them and ends by itself.
        if (error == null && known.containsAll(partitions)) {
          allAssigned = true;
          context.registeredReaders().keySet().forEach(context::signalNoMoreSplits);
        }
      });
    }

    @Override
    public void addReader(int subtaskId) {
      restored.addReader(subtaskId);
      if (allAssigned) {
        context.signalNoMoreSplits(subtaskId);
      }
    }

    @Override
    public void handleSplitRequest(int subtaskId, String requesterHostname) {
      restored.handleSplitRequest(subtaskId, requesterHostname);
    }

    @Override
    public void addSplitsBack(List<KafkaPartitionSplit> splits, int subtaskId) {
      restored.addSplitsBack(splits, subtaskId);
    }

    @Override
    public KafkaSourceEnumState snapshotState(long checkpointId) throws Exception {
      return restored.snapshotState(checkpointId);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
      restored.notifyCheckpointComplete(checkpointId);
    }

    @Override
    public void close() throws java.io.IOException {
      restored.close();
    }
  }
}
