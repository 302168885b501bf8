package dev.streamcl.kafka;

import dev.streamcl.events.EventCodec;
import java.util.function.Supplier;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka clients / Kafka Streams serde for one event type in Avro single-object encoding.
 * Avro encoders are not thread-safe, so each thread gets its own codec.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  private final ThreadLocal<EventCodec<T>> codec;

  public AvroSerde(Supplier<EventCodec<T>> codecFactory) {
    this.codec = ThreadLocal.withInitial(codecFactory);
  }

  @Override
  public byte[] serialize(String topic, T event) {
    return event == null ? null : codec.get().encode(event);
  }

  @Override
  public T deserialize(String topic, byte[] bytes) {
    return bytes == null ? null : codec.get().decode(bytes);
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}
}
