package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.streamcl.learner.FeatureBatch;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class FeatureBatchSerializerTest {
  private final FeatureBatchSerializer serializer = new FeatureBatchSerializer();

  @Test
  void everyFieldSurvivesTheWireForBatchesOfEverySizeOneAfterAnother() throws Exception {
    DataOutputSerializer out = new DataOutputSerializer(64);
    FeatureBatch[] sent = {batch(1, 784, "streamcl.samples"), batch(64, 784, null), batch(3, 5, "t")};
    for (FeatureBatch batch : sent) {
      serializer.serialize(batch, out);
    }
    DataInputDeserializer in = new DataInputDeserializer(out.getSharedBuffer(), 0, out.length());
    for (FeatureBatch batch : sent) {
      assertSame(batch, serializer.deserialize(in));
    }
    assertEquals(0, in.available(), "nothing left over");
  }

  @Test
  void copiesAreDeepAndACopyThroughTheWireIsTheSame() throws Exception {
    FeatureBatch original = batch(10, 7, null);
    FeatureBatch copy = serializer.copy(original);
    original.features[0] = -1;
    original.labels[0] = 99;
    assertEquals(batch(10, 7, null).features[0], copy.features[0]);
    DataOutputSerializer first = new DataOutputSerializer(64);
    serializer.serialize(copy, first);
    DataOutputSerializer second = new DataOutputSerializer(64);
    serializer.copy(new DataInputDeserializer(first.getSharedBuffer(), 0, first.length()), second);
    assertSame(copy, serializer.deserialize(new DataInputDeserializer(second.getSharedBuffer(), 0,
        second.length())));
  }

  private static FeatureBatch batch(int n, int dim, String topic) {
    Random random = new Random(n * 31L + dim);
    FeatureBatch batch = FeatureBatch.allocate("stream-" + n, dim, n);
    batch.topic = topic;
    for (int i = 0; i < batch.features.length; i++) {
      batch.features[i] = random.nextFloat() - 0.5f;
    }
    batch.features[0] = Float.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      batch.sequences[i] = random.nextLong();
      batch.eventTimes[i] = random.nextLong();
      batch.offsets[i] = random.nextLong();
      batch.labels[i] = random.nextInt(11) - 1;
      batch.taskIds[i] = random.nextInt();
      batch.partitions[i] = random.nextInt();
    }
    return batch;
  }

  private static void assertSame(FeatureBatch expected, FeatureBatch actual) {
    assertEquals(expected.streamId, actual.streamId);
    assertEquals(expected.dim, actual.dim);
    if (expected.topic == null) {
      assertNull(actual.topic);
    } else {
      assertEquals(expected.topic, actual.topic);
    }
    assertArrayEquals(expected.features, actual.features);
    assertArrayEquals(expected.sequences, actual.sequences);
    assertArrayEquals(expected.eventTimes, actual.eventTimes);
    assertArrayEquals(expected.offsets, actual.offsets);
    assertArrayEquals(expected.labels, actual.labels);
    assertArrayEquals(expected.taskIds, actual.taskIds);
    assertArrayEquals(expected.partitions, actual.partitions);
  }
}
