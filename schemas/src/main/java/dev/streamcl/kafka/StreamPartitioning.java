package dev.streamcl.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.utils.Utils;

/**
 * Every StreamCL topic places a record by its stream id, with the Kafka default partitioner's hash.
 * Model updates (keyed {@code streamId/learner}) therefore land in the same partition number as the
 * stream's requests, which lets the serving topology co-partition the two.
 */
public final class StreamPartitioning {
  private StreamPartitioning() {}

  public static int partitionFor(String streamId, int partitionCount) {
    return Utils.toPositive(Utils.murmur2(streamId.getBytes(StandardCharsets.UTF_8))) % partitionCount;
  }
}
