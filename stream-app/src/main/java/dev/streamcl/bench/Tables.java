package dev.streamcl.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The bench's figures as the lines of one table. */
final class Tables {
  private static final double MIB = 1024.0 * 1024.0;

  private Tables() {}

  static String machine() {
    return Runtime.getRuntime().availableProcessors() + " cores, " + cpuModel() + ", Java "
        + System.getProperty("java.version") + ", max heap " + Math.round(Runtime.getRuntime().maxMemory() / MIB)
        + " MiB";
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  static String learnerOnlyRow(LearnerOnlyBench.Result r) {
    return String.format("%-18s %,10d %,14.0f %12.1f %,16d %12.2f%% %12.2f%%", r.learner(), r.samples(),
        r.samplesPerSecond(), r.warmupSeconds(), r.stateBytes(), 100 * r.prequentialAccuracy(),
        100 * r.finalTestAccuracy());
  }

  static String endToEndRow(EndToEndBench.Result r) {
    StringBuilder perLearner = new StringBuilder();
    if (r.learners().size() > 1) {
      r.learners().forEach(l -> perLearner.append(String.format("  %s %,.0f", l.learner(), l.samplesPerSecond())));
    }
    return String.format("%-10s %,10d %,14.0f %10.1f %8.1f %12.0f %14.1f%s", r.run(), r.samples(),
        r.samplesPerSecond(), r.startupSeconds(), r.wallSeconds(), r.peakRssBytes() / MIB, r.cpuMicrosPerSample(),
        perLearner);
  }

  static void print(Bench.Result result, PrintStream out) {
    out.println();
    out.println("StreamCL bench" + (result.quick() ? " --quick" : "") + " — " + result.machine() + ", "
        + result.ranAt());
    out.println();
    out.println("Learner only (precomputed pixels features, the job's kernels; no Kafka, no Flink), and the MOA "
        + "peers on the same stream");
    out.printf("%-18s %10s %14s %12s %16s %13s %13s%n", "learner", "samples", "samples/s", "warm-up s",
        "state bytes", "prequential", "final test");
    result.learnerOnly().forEach(r -> out.println(learnerOnlyRow(r)));
    result.peers().forEach(p -> out.println(String.format("%-18s %,10d %,14.0f %12s %16s %12.2f%% %12.2f%%",
        p.name(), p.instances(), p.instancesPerSecond(), "", "", 100 * p.prequentialAccuracy(),
        100 * p.finalTestAccuracy())));
    printPeerRatios(result, out);
    out.println();
    out.println("End to end (Kafka → Flink → predictions and model updates, exactly-once; steady state = 10 % to "
        + "90 % of the stream)");
    out.printf("%-10s %10s %14s %10s %8s %12s %14s%n", "run", "samples", "samples/s", "start-up s", "wall s",
        "peak RSS MiB", "CPU µs/sample");
    result.endToEnd().forEach(r -> out.println(endToEndRow(r)));
    out.println();
    out.println("End to end / learner only");
    for (Map.Entry<String, Double> ratio : result.endToEndOverLearnerOnly().entrySet()) {
      out.printf("%-10s %6.2f%n", ratio.getKey(), ratio.getValue());
    }
    LabelToModelLatency.Result l = result.labelToModel();
    out.println();
    out.printf("Label to model (%s, %,d labelled samples/s, a version every %d, checkpoint every %,d ms): "
        + "p50 %,.0f ms, p99 %,.0f ms, max %,.0f ms over %,d samples%n", l.learner(), l.samplesPerSecond(),
        l.publishEvery(), l.checkpointIntervalMs(), l.p50Ms(), l.p99Ms(), l.maxMs(), l.samples());
    ServingBench.Result s = result.serving();
    out.println();
    out.printf("Serving (%s; %s; request append → answer readable by a read_committed reader)%n", s.guarantee(),
        String.join(" and ", s.learners()));
    out.printf("  saturation: %,.0f requests/s answered (%,d requests, %.1f CPU µs per request)%n",
        s.saturationPerSecond(), s.saturationRequests(), s.cpuMicrosPerRequest());
    out.printf("  at %,d requests/s, steady:     p50 %.1f  p99 %.1f  p99.9 %.1f ms%n", s.perSecond(),
        s.steady().p50Ms(), s.steady().p99Ms(), s.steady().p999Ms());
    out.printf("  at %,d requests/s, %d swaps: p50 %.1f  p99 %.1f  p99.9 %.1f ms (the swap spike)%n", s.perSecond(),
        s.swapCount(), s.swaps().p50Ms(), s.swaps().p99Ms(), s.swaps().p999Ms());
    if (s.brokerHop() != null) {
      out.println("  floor, one plain Kafka hop (an answer takes two) " + s.brokerHop().line());
    }
    if (s.streamsPassThrough() != null) {
      out.println("  floor, a pass-through Kafka Streams app, at least once, " + s.streamsPassThrough().line());
    }
    if (s.streamsPassThroughExactlyOnce() != null) {
      out.println("  floor, the same app exactly once (serving's commit interval) "
          + s.streamsPassThroughExactlyOnce().line());
    }
    if (s.scoring() != null) {
      ServingFloors.Scoring scoring = s.scoring();
      out.printf("  ceiling, scoring alone on one thread (decode, encode, %s; batches of %d): %,.0f requests/s, "
          + "%.0f µs each%n", String.join(" + ", scoring.learners()), scoring.batch(), scoring.requestsPerSecond(),
          scoring.microsPerRequest());
    }
  }

  /** Each learner's learner-only rate over MOA Naive Bayes' instances/s, the peer comparison. */
  private static void printPeerRatios(Bench.Result result, PrintStream out) {
    result.peers().stream().filter(p -> p.name().contains("naive-bayes")).findFirst().ifPresent(nb -> {
      StringBuilder line = new StringBuilder("  × " + nb.name() + " instances/s:");
      result.learnerOnly().forEach(r -> line.append(String.format("  %s %.1f", r.learner(),
          r.samplesPerSecond() / nb.instancesPerSecond())));
      out.println(line);
    });
  }
}
