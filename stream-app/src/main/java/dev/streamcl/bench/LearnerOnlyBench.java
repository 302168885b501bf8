package dev.streamcl.bench;

import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.StateCodec;
import dev.streamcl.learner.Warmup;

/**
 * Each learner alone on precomputed features: no Kafka, no Flink, the same plug-in and kernels the
 * job runs, driven in the job's batches (its micro-batch, or the learner's SGD minibatch). Only
 * test-then-train is timed; a warm-up fit (KVB's keys) happens before the clock starts.
 */
final class LearnerOnlyBench {
  /**
   * Samples per second of test-then-train, the seconds a warm-up fit took (KVB's keys; 0 for none), and
   * the stream's state as the checkpoint serializer writes it.
   */
  record Result(String learner, long samples, double samplesPerSecond, double warmupSeconds, long stateBytes) {}

  private LearnerOnlyBench() {}

  static Result run(String name, EncodedStream stream, LearnerJobConfig config) {
    ContinualLearner<?, ?> learner = Learners.create(name, config.families(), stream.encoder());
    return run(learner, stream.all(), config);
  }

  private static <S, K extends AutoCloseable> Result run(ContinualLearner<S, K> learner, FeatureBatch stream,
      LearnerJobConfig config) {
    S state = learner.initialState(stream.dim);
    int from = 0;
    long warmupStart = System.nanoTime();
    if (state == null) {
      Warmup<S> warmup = learner.warmup();
      from = Math.min(warmup.samplesWanted(), stream.size());
      state = warmup.fit(stream.slice(0, from));
      from = warmup.topic() == null ? 0 : from; // keys fitted on the stream's first samples learn them too
    }
    double warmupSeconds = (System.nanoTime() - warmupStart) / 1e9;
    int piece = learner.minibatch() > 0 ? learner.minibatch() : config.microBatchSize();
    try (K kernel = learner.openKernel(state, config.device())) {
      long start = System.nanoTime();
      for (int at = from; at < stream.size(); at += piece) {
        learner.testThenTrain(kernel, state, stream.slice(at, Math.min(at + piece, stream.size())));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long learned = stream.size() - from;
      return new Result(learner.name(), learned, learned / seconds, warmupSeconds,
          new StateCodec<>(learner.stateSchema()).encode(state).length);
    } catch (Exception e) {
      throw new IllegalStateException("Could not close the kernel of " + learner.name(), e);
    }
  }
}
