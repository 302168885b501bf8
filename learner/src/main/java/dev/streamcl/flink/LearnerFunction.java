package dev.streamcl.flink;

import dev.streamcl.events.Prediction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A learner operator, keyed by stream: takes in feature batches, finishes when the input ends (the
 * final watermark fires its timer), and accounts the time both take under its learner name.
 */
abstract class LearnerFunction extends KeyedProcessFunction<String, FeatureBatch, Prediction> {
  private transient LearnerBusyTime busyTime;

  /** The name the learner publishes under. */
  protected abstract String learnerName();

  /** Test-then-train on a batch of one stream. */
  protected abstract void takeIn(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception;

  /** The input ended: learn what waits and publish what was learned since the last version. */
  protected abstract void finishInput(OnTimerContext ctx, Collector<Prediction> out) throws Exception;

  /** Subclasses declare their state after calling this. */
  @Override
  public void open(OpenContext openContext) {
    busyTime = LearnerBusyTime.register(getRuntimeContext(), learnerName());
  }

  @Override
  public final void processElement(FeatureBatch batch, Context ctx, Collector<Prediction> out) throws Exception {
    busyTime.time(batch.size(), () -> takeIn(batch, ctx, out));
  }

  @Override
  public final void onTimer(long timestamp, OnTimerContext ctx, Collector<Prediction> out) throws Exception {
    busyTime.time(0, () -> finishInput(ctx, out));
  }
}
