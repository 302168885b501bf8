package dev.streamcl.flink;

import dev.streamcl.events.EventCodec;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.kafka.TopicReader;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What a job committed to an output topic, read read_committed from the beginning to the current end. */
final class Committed {
  private Committed() {}

  static List<ConsumerRecord<String, byte[]>> records(ClientConfigs clients, String topic) {
    try (TopicReader reader = new TopicReader(clients, topic)) {
      return reader.readAll();
    }
  }

  static <T extends SpecificRecord> List<T> events(ClientConfigs clients, String topic, EventCodec<T> codec) {
    return records(clients, topic).stream().map(r -> codec.decode(r.value())).toList();
  }
}
