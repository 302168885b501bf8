package dev.streamcl.flink;

import dev.streamcl.events.LearnerThroughput;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;

/**
 * Time one learner operator spends on its samples, as Flink accumulators summed over subtasks (read when a job
 * ends) and as live metrics of the subtask in the group {@code learner=<name>}: {@code samplesLearned},
 * {@code samplesPerSecond}, {@code busyMillis} and {@code busyMillisPerSecond} (1,000 = busy all the time). The
 * learners of a job share its input, so the job's wall-clock rate says nothing about each of them; samples per
 * busy second does.
 */
final class LearnerBusyTime {
  private static final String NANOS = "busy-nanos.";
  private static final String SAMPLES = "busy-samples.";
  /** Seconds the live rates average over. */
  private static final int RATE_SECONDS = 10;

  private final LongCounter nanos = new LongCounter();
  private final LongCounter samples = new LongCounter();
  private Counter samplesMetric = new SimpleCounter();
  private Counter busyMillisMetric = new SimpleCounter();
  private long nanosNotInMillis;

  static LearnerBusyTime register(RuntimeContext context, String learner) {
    LearnerBusyTime busy = new LearnerBusyTime();
    context.addAccumulator(NANOS + learner, busy.nanos);
    context.addAccumulator(SAMPLES + learner, busy.samples);
    MetricGroup metrics = context.getMetricGroup().addGroup("learner", learner);
    busy.samplesMetric = metrics.counter("samplesLearned");
    metrics.meter("samplesPerSecond", new MeterView(busy.samplesMetric, RATE_SECONDS));
    busy.busyMillisMetric = metrics.counter("busyMillis");
    metrics.meter("busyMillisPerSecond", new MeterView(busy.busyMillisMetric, RATE_SECONDS));
    return busy;
  }

  /** Work of a learner operator, e.g. taking in a batch. */
  interface Work {
    void run() throws Exception;
  }

  /** Runs {@code work} on {@code count} new samples and adds the time it took. */
  void time(int count, Work work) throws Exception {
    long start = System.nanoTime();
    try {
      work.run();
    } finally {
      long took = System.nanoTime() - start;
      nanos.add(took);
      samples.add(count);
      samplesMetric.inc(count);
      nanosNotInMillis += took;
      busyMillisMetric.inc(nanosNotInMillis / 1_000_000);
      nanosNotInMillis %= 1_000_000;
    }
  }

  /** Samples, busy time and samples per busy second of each learner of a finished job. */
  static List<LearnerThroughput> of(JobExecutionResult result, String job, Instant finishedAt) {
    Map<String, Object> accumulators = result.getAllAccumulatorResults();
    List<LearnerThroughput> throughputs = new ArrayList<>();
    new TreeMap<>(accumulators).forEach((name, value) -> {
      if (name.startsWith(NANOS) && value instanceof Long nanos && nanos > 0
          && accumulators.get(SAMPLES + name.substring(NANOS.length())) instanceof Long samples) {
        throughputs.add(new LearnerThroughput(job, name.substring(NANOS.length()), samples, nanos,
            samples * 1e9 / nanos, finishedAt));
      }
    });
    return throughputs;
  }
}
