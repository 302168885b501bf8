package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Prediction;
import dev.streamcl.events.PredictionSource;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema.KafkaSinkContext;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

/** Records of interleaved streams each go to their stream's partition under their own key. */
class EventRecordSerializerTest {
  private static final int PARTITIONS = 8;

  @Test
  void everyRecordGoesToItsStreamsPartitionUnderItsOwnKey() {
    EventRecordSerializer<Prediction> serializer = new EventRecordSerializer<>("predictions", EventCodec::predictions,
        p -> p.getStreamId() + "/" + p.getLearner(), Prediction::getStreamId);
    KafkaSinkContext context = new KafkaSinkContext() {
      @Override
      public int getParallelInstanceId() {
        return 0;
      }

      @Override
      public int getNumberOfParallelInstances() {
        return 1;
      }

      @Override
      public int[] getPartitionsForTopic(String topic) {
        return new int[PARTITIONS];
      }
    };
    serializer.open(null, context);
    List<String> streams = List.of("a", "a", "b", "a", "c", "c", "b");
    for (int i = 0; i < streams.size(); i++) {
      String stream = streams.get(i);
      Prediction p = new Prediction(stream, (long) i, PredictionSource.PREQUENTIAL, i % 2 == 0 ? "nmc" : "kvb", 1L, 3,
          List.of(), 3, 0, Instant.ofEpochMilli(i));
      ProducerRecord<byte[], byte[]> record = serializer.serialize(p, context, null);
      assertEquals(partitionOf(stream), record.partition(), "record " + i + " of stream " + stream);
      assertArrayEquals((stream + "/" + p.getLearner()).getBytes(StandardCharsets.UTF_8), record.key());
      assertEquals(p, EventCodec.predictions().decode(record.value()));
    }
    assertTrue(streams.stream().map(EventRecordSerializerTest::partitionOf).distinct().count() > 1,
        "the streams chosen must not all share a partition, or the test would mean little");
  }

  /** Kafka's default partitioner for a key, applied to the stream id: the reference. */
  private static int partitionOf(String stream) {
    return Utils.toPositive(Utils.murmur2(stream.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
  }
}
