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
