package dev.streamcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.encoder.EncoderSpec;
import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.kafka.ClientConfigs;
import dev.streamcl.onnx.ComputeDevice;
import dev.streamcl.ops.KafkaBrokerExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The two figures serving is compared with: one plain hop on the real broker, and scoring with no Kafka at all. */
@ExtendWith(KafkaBrokerExtension.class)
class ServingFloorsTest {
  @Test
  void theHopTimesEveryRecordAfterTheWarmUpOnce() throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());

    ServingFloors.Hop hop = ServingFloors.brokerHop(clients, KafkaBrokerExtension.uniqueTopicPrefix("hop"), 2, 500,
        Duration.ofMillis(400), Duration.ofSeconds(1));

    assertEquals(500, hop.records(), "1 s at 500 records/s after the warm-up");
    assertTrue(hop.p50Ms() > 0 && hop.p50Ms() <= hop.p99Ms() && hop.p99Ms() <= hop.p999Ms(), hop.toString());
    assertTrue(hop.p999Ms() < 60_000, "every measured record arrived: " + hop);
  }

  @Test
  void thePassThroughAppCarriesEveryMeasuredRecordToItsOutputUnderEitherGuarantee() throws Exception {
    ClientConfigs clients = ClientConfigs.of(KafkaBrokerExtension.bootstrap());

    for (String guarantee : List.of("at_least_once", "exactly_once_v2")) {
      ServingFloors.Hop hop = ServingFloors.streamsPassThrough(clients, KafkaBrokerExtension.uniqueTopicPrefix("pass"),
          guarantee, 2, 500, Duration.ofMillis(400), Duration.ofSeconds(1));

      assertEquals(500, hop.records(), guarantee + ": every record sent after the warm-up came out of the app: " + hop);
      assertTrue(hop.p50Ms() > 0 && hop.p50Ms() <= hop.p99Ms() && hop.p99Ms() <= hop.p999Ms(), hop.toString());
    }
  }

  @Test
  void scoringRunsEveryServedModelOnTheRequests() throws Exception {
    EncoderSpec spec = EncoderSpec.parse("pixels:28x28", ComputeDevice.cpu());
    EncoderIdentity identity;
    try (Encoder encoder = spec.open()) {
      identity = encoder.identity();
    }
    ServingBenchModels models = new ServingBenchModels(identity, 7);

    ServingFloors.Scoring scoring = ServingFloors.scoring(spec, List.of(models.nmcSnapshot("s", 1),
            models.kvbSnapshot("s", 1)), LongStream.range(0, 8).mapToObj(i -> models.request("s", i)).toList(),
        ServingBenchModels.CLASSES, Duration.ofMillis(100), Duration.ofMillis(300));

    assertEquals(List.of("kvb", "nmc"), scoring.learners());
    assertTrue(scoring.requestsPerSecond() > 0, scoring.toString());
    assertEquals(1e6 / scoring.requestsPerSecond(), scoring.microsPerRequest(), 1e-6 * scoring.microsPerRequest(),
        "rate and cost are the same measurement");
  }
}
