package dev.streamcl.faults;

import dev.streamcl.flink.RawRecord;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Passes records through, and throws once some records after a completed checkpoint, up to a planned
 * number of times per job (counted across the restarts it causes: the MiniCluster runs in the test's
 * JVM). Failures are spread out: the k-th needs a checkpoint numbered at least {@code 4 k}.
 */
final class FailOnceAfterCheckpoint extends RichMapFunction<RawRecord, RawRecord> implements CheckpointListener {
  private static final int RECORDS_AFTER_CHECKPOINT = 50;
  private static final AtomicInteger PLANNED = new AtomicInteger();
  private static final AtomicInteger INJECTED = new AtomicInteger();

  private long completedCheckpoint = -1;
  private int recordsSinceCheckpoint;

  static void plan(int failures) {
    PLANNED.set(failures);
    INJECTED.set(0);
  }

  static int injected() {
    return INJECTED.get();
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    completedCheckpoint = checkpointId;
    recordsSinceCheckpoint = 0;
  }

  @Override
  public RawRecord map(RawRecord record) {
    if (completedCheckpoint >= 4L * (INJECTED.get() + 1) && ++recordsSinceCheckpoint == RECORDS_AFTER_CHECKPOINT
        && PLANNED.getAndDecrement() > 0) {
      throw new IllegalStateException("Injected failure " + INJECTED.incrementAndGet() + ", "
          + RECORDS_AFTER_CHECKPOINT + " records after checkpoint " + completedCheckpoint);
    }
    return record;
  }
}
