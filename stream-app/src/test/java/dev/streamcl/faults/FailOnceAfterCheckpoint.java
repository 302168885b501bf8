package dev.streamcl.faults;

import dev.streamcl.flink.RawRecord;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Passes records through, and throws some records after a completed checkpoint, up to a planned number of
 * times per job (counted across the restarts it causes: the MiniCluster runs in the test's JVM). Failures
 * are spread over the input: the k-th is armed by the first record at offset {@code k * spacing} or later,
 * and thrown {@value #RECORDS_AFTER_CHECKPOINT} records after the next checkpoint this attempt completes.
 */
final class FailOnceAfterCheckpoint extends RichMapFunction<RawRecord, RawRecord> implements CheckpointListener {
  private static final int RECORDS_AFTER_CHECKPOINT = 50;
  private static final AtomicInteger PLANNED = new AtomicInteger();
  private static final AtomicInteger INJECTED = new AtomicInteger();

  private final long spacing;
  private boolean armed;
  private boolean checkpointSinceArmed;
  private int recordsSinceCheckpoint;

  /** @param spacing input offsets between armed failures */
  FailOnceAfterCheckpoint(long spacing) {
    this.spacing = spacing;
  }

  static void plan(int failures) {
    PLANNED.set(failures);
    INJECTED.set(0);
  }

  static int injected() {
    return INJECTED.get();
  }

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    if (armed) {
      checkpointSinceArmed = true;
      recordsSinceCheckpoint = 0;
    }
  }

  @Override
  public RawRecord map(RawRecord record) throws InterruptedException {
    if (!armed && PLANNED.get() > 0 && record.offset >= spacing * (INJECTED.get() + 1)) {
      armed = true;
    }
    if (armed && !checkpointSinceArmed) {
      awaitCheckpointSlowly();
    } else if (armed && ++recordsSinceCheckpoint == RECORDS_AFTER_CHECKPOINT && PLANNED.getAndDecrement() > 0) {
      throw new IllegalStateException("Injected failure " + INJECTED.incrementAndGet() + ", "
          + RECORDS_AFTER_CHECKPOINT + " records after a checkpoint, at offset " + record.offset);
    }
    return record;
  }

  /** Slows the stream while a failure waits for its checkpoint, so a fast job cannot end before it comes. */
  private static void awaitCheckpointSlowly() throws InterruptedException {
    Thread.sleep(1);
  }
}
