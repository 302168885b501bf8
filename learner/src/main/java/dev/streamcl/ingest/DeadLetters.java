package dev.streamcl.ingest;

import dev.streamcl.events.DeadLetter;
import dev.streamcl.events.DeadLetterReason;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;

/** Builds {@link DeadLetter} events; payloads are cut to a limit so an oversized record stays publishable. */
public final class DeadLetters {
  /** Kept bytes of an offending payload: enough to inspect it, small enough for any topic. */
  public static final int KEPT_PAYLOAD_BYTES = 64 * 1024;

  private DeadLetters() {}

  public static DeadLetter of(String topic, int partition, long offset, byte[] key, byte[] payload,
      String stage, DeadLetterReason reason, String error, long now) {
    byte[] value = payload == null ? new byte[0] : payload;
    byte[] kept = value.length > KEPT_PAYLOAD_BYTES ? Arrays.copyOf(value, KEPT_PAYLOAD_BYTES) : value;
    return DeadLetter.newBuilder()
        .setSourceTopic(topic)
        .setPartition(partition)
        .setOffset(offset)
        .setKey(key == null ? null : ByteBuffer.wrap(key))
        .setPayload(ByteBuffer.wrap(kept))
        .setPayloadSize(value.length)
        .setStage(stage)
        .setReason(reason)
        .setError(error == null ? reason.name() : error)
        .setOccurredAt(Instant.ofEpochMilli(now))
        .build();
  }
}
