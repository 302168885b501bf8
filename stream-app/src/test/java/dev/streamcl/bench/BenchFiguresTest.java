package dev.streamcl.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.streamcl.events.Sample;
import dev.streamcl.scenario.FashionMnist;
import dev.streamcl.scenario.SplitFashionMnist;
import dev.streamcl.serving.HotSwaps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench's arithmetic on figures worked out by hand, and the repeated stream it publishes. */
class BenchFiguresTest {
  @Test
  void steadyRateSpansTheVersionsAtTenAndNinetyPercentOfTheStream() {
    // 1,000 samples per version; slow start (version 1 after 5 s), then 2,000 samples/s; out of order on purpose.
    List<EndToEndBench.Version> versions = new ArrayList<>();
    for (int v = 10; v >= 1; v--) {
      versions.add(new EndToEndBench.Version(v * 1000L, 5_000 + (v - 1) * 500L));
    }
    EndToEndBench.LearnerRate rate = EndToEndBench.steadyRate("nmc", versions, 10_000);
    // 10 % = 1,000 samples (version 1, t = 5.0 s), 90 % = 9,000 (version 9, t = 9.0 s): 8,000 samples in 4 s.
    assertEquals(2_000, rate.samplesPerSecond(), 1e-9);
    assertEquals(10, rate.versions());
  }

  @Test
  void aSamplesLatencyEndsAtTheFirstReadableVersionThatReachesItsOffset() {
    List<LabelToModelLatency.Sent> sent = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sent.add(new LabelToModelLatency.Sent(i, 10L * i));
    }
    List<LabelToModelLatency.Seen> seen = List.of(new LabelToModelLatency.Seen(4, 100),
        new LabelToModelLatency.Seen(9, 300));
    double[] latencies = LabelToModelLatency.latencies(sent, seen);
    assertArrayEquals(new double[] {60, 70, 80, 90, 100, 210, 220, 230, 240, 250}, latencies);
    assertEquals(100, LabelToModelLatency.percentile(latencies, 0.5));
    assertEquals(250, LabelToModelLatency.percentile(latencies, 0.99));
    assertEquals(60, LabelToModelLatency.percentile(latencies, 0.01));
  }

  @Test
  void theRepeatedStreamPlaysTheSameSamplesWithSequenceAndEventTimeGoingOn() {
    SplitFashionMnist once = new SplitFashionMnist(new FashionMnist(FashionMnist.DEFAULT_DIR), 42, 10);
    RepeatedScenario thrice = new RepeatedScenario(once, 3);
    assertEquals(3 * once.trainingSize(), thrice.trainingSize());
    for (long sequence : new long[] {0, 7, once.trainingSize() + 7, 2 * once.trainingSize() + 49}) {
      Sample original = once.trainingSample("s", sequence % once.trainingSize());
      Sample repeated = thrice.trainingSample("s", sequence);
      assertEquals(sequence, repeated.getSequence());
      assertEquals(original.getEventTime().plusMillis(sequence - original.getSequence()), repeated.getEventTime());
      assertEquals(original.getLabel(), repeated.getLabel());
      assertEquals(original.getTaskId(), repeated.getTaskId());
      assertEquals(original.getInput(), repeated.getInput());
    }
    assertEquals(once.testSample("s", 3), thrice.testSample("s", 3));
    assertEquals("repeated x3", thrice.variant());
  }

  @Test
  void theJsonReadsBackIntoTheSameFiguresAndTable(@TempDir Path dir) throws IOException {
    ServingBench.Phase steady = new ServingBench.Phase("steady", 40_000, 40_000, 4.5, 11.25, 19.0, 30.5);
    ServingBench.Phase swaps = new ServingBench.Phase("swaps", 20_000, 19_999, 5.0, 14.0, 61.0, 80.0);
    Bench.Result result = new Bench.Result("2 cores", "2026-12-02T13:00:00Z", true,
        List.of(new LearnerOnlyBench.Result("nmc", 60_000, 150_000.5, 0.25, 31_400, 0.7034, 0.6912)),
        List.of(new MoaPeer.PeerResult("moa-naive-bayes", 60_000, 0.5547, 10_000, 0.5513, 12_000)),
        List.of(new EndToEndBench.Result("nmc", 600_000, 45_000, 6.5, 21.0, 1_500_000_000L, 30.0,
            List.of(new EndToEndBench.LearnerRate("nmc", 45_000, 6_000)))),
        Map.of("nmc", 0.3), new LabelToModelLatency.Result("nmc", 2_000, 100, 2_000, 60_000, 1_200, 2_137, 2_300),
        new ServingBench.Result("exactly_once_v2", List.of("kvb", "nmc"), 2_000, steady, swaps, 95, 3.5, 50,
            100_000, Double.NaN, 80.0, new HotSwaps(100, 100, 0), new ServingFloors.Hop(2_000, 40_000, 4.5, 25.0, 48.0),
            new ServingFloors.Hop(2_000, 40_000, 11.3, 30.7, 39.8),
            new ServingFloors.Hop(2_000, 40_000, 14.1, 33.0, 41.2),
            new ServingFloors.Scoring(List.of("kvb", "nmc"), 32, 3_100, 322.6)));
    Path json = Files.writeString(dir.resolve("bench.json"), Bench.json(result));

    Bench.Result read = Bench.read(json);

    assertEquals(result.toString(), read.toString(), "NaN (a phase not measured) reads back as NaN too");
    assertEquals(Bench.table(result), Bench.table(read));
  }
}
