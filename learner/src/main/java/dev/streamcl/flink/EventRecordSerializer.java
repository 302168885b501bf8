package dev.streamcl.flink;

import dev.streamcl.events.EventCodec;
import dev.streamcl.kafka.StreamPartitioning;
import java.nio.charset.StandardCharsets;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes one event type to one topic in Avro single-object encoding. The partition is chosen by
 * stream id (not by the full key), so a stream's model updates share a partition number with its
 * requests and the serving topology can co-partition them.
 */
public final class EventRecordSerializer<T extends SpecificRecord> implements KafkaRecordSerializationSchema<T> {
  /** Extracts a string from an event; serializable because the sink ships to the cluster. */
  public interface Field<T> extends java.io.Serializable {
    String of(T event);
  }

  private final String topic;
  private final EventCodecFactory<T> codecFactory;
  private final Field<T> key;
  private final Field<T> streamId;

  private transient EventCodec<T> codec;
  private transient int partitions;
  // A learner's records come in runs of one stream (a micro-batch): hash its id and key once per run.
  private transient String lastStream;
  private transient Integer lastPartition;
  private transient String lastKey;
  private transient byte[] lastKeyBytes;

  /** Serializable factory, since Avro codecs are not serializable. */
  public interface EventCodecFactory<T extends SpecificRecord> extends java.io.Serializable {
    EventCodec<T> create();
  }

  public EventRecordSerializer(String topic, EventCodecFactory<T> codecFactory, Field<T> key, Field<T> streamId) {
    this.topic = topic;
    this.codecFactory = codecFactory;
    this.key = key;
    this.streamId = streamId;
  }

  @Override
  public void open(SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext) {
    codec = codecFactory.create();
    int[] known = sinkContext.getPartitionsForTopic(topic);
    partitions = known.length;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T event, KafkaSinkContext context, Long timestamp) {
    if (codec == null) {
      codec = codecFactory.create();
    }
    if (partitions == 0) {
      partitions = context.getPartitionsForTopic(topic).length;
    }
    // Null timestamp: the broker-side create time is the producer's clock at send, which orders a
    // model update before any request sent after it became readable.
    return new ProducerRecord<>(topic, partitionOf(streamId.of(event)), null, keyBytes(key.of(event)),
        codec.encode(event));
  }

  private Integer partitionOf(String stream) {
    if (partitions <= 0) {
      return null;
    }
    if (!stream.equals(lastStream)) {
      lastStream = stream;
      lastPartition = StreamPartitioning.partitionFor(stream, partitions);
    }
    return lastPartition;
  }

  private byte[] keyBytes(String eventKey) {
    if (!eventKey.equals(lastKey)) {
      lastKey = eventKey;
      lastKeyBytes = eventKey.getBytes(StandardCharsets.UTF_8);
    }
    return lastKeyBytes;
  }
}
