package dev.streamcl.flink;

import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RuntimeContext;

/**
 * Time one learner operator spends on its samples, as Flink accumulators summed over subtasks. The
 * learners of a job share its input, so the job's wall-clock rate says nothing about each of them;
 * samples per busy second does.
 */
final class LearnerBusyTime {
  private static final String NANOS = "busy-nanos.";
  private static final String SAMPLES = "busy-samples.";

  private final LongCounter nanos = new LongCounter();
  private final LongCounter samples = new LongCounter();

  static LearnerBusyTime register(RuntimeContext context, String learner) {
    LearnerBusyTime busy = new LearnerBusyTime();
    context.addAccumulator(NANOS + learner, busy.nanos);
    context.addAccumulator(SAMPLES + learner, busy.samples);
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
      nanos.add(System.nanoTime() - start);
      samples.add(count);
    }
  }

  /** Samples per busy second of each learner of a finished job. */
  static Map<String, Double> samplesPerSecond(JobExecutionResult result) {
    Map<String, Double> rates = new TreeMap<>();
    result.getAllAccumulatorResults().forEach((name, value) -> {
      if (name.startsWith(NANOS)) {
        String learner = name.substring(NANOS.length());
        Object count = result.getAllAccumulatorResults().get(SAMPLES + learner);
        long nanos = (Long) value;
        if (count instanceof Long samples && nanos > 0) {
          rates.put(learner, samples * 1e9 / nanos);
        }
      }
    });
    return rates;
  }
}
