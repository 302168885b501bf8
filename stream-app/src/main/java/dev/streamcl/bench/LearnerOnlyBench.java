package dev.streamcl.bench;

import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.learner.ContinualLearner;
import dev.streamcl.learner.FeatureBatch;
import dev.streamcl.learner.Learners;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.StateCodec;
import dev.streamcl.learner.Warmup;
import java.util.Arrays;

/**
 * Each learner alone on precomputed features: no Kafka, no Flink, the same plug-in and kernels the
 * job runs, driven in the job's batches (its micro-batch, or the learner's SGD minibatch). Only
 * test-then-train is timed; a warm-up fit (KVB's keys) happens before the clock starts.
 *
 * <p>Steady state: the JVM's compilers are still at work during a first pass (NMC learns 60,000 samples
 * in 0.4 s, at a quarter of the rate of the passes after it), so a full bench runs each learner over
 * the stream once untimed and times the passes after it.
 */
final class LearnerOnlyBench {
  /**
   * Samples per second of test-then-train, the seconds a warm-up fit took (KVB's keys; 0 for none), and
   * the stream's state as the checkpoint serializer writes it.
   */
  record Result(String learner, long samples, double samplesPerSecond, double warmupSeconds, long stateBytes,
      double prequentialAccuracy, double finalTestAccuracy) {}

  private LearnerOnlyBench() {}

  /** Timed passes go on until they add up to this much, so that one collection pause cannot halve a rate. */
  static final double MIN_TIMED_SECONDS = 2.0;

  /**
   * Learns {@code training}, then answers {@code test} with the final model (accuracy beside the peers').
   * With {@code steady}, after one untimed pass, timed passes from a fresh state until they add up to
   * {@link #MIN_TIMED_SECONDS} (every pass learns the same, so accuracies are the first timed pass's).
   */
  static Result run(String name, EncodedStream training, EncodedStream test, LearnerJobConfig config,
      boolean steady) {
    Result first = pass(name, training, test, config);
    if (!steady) {
      return first;
    }
    Result timed = pass(name, training, test, config);
    long samples = timed.samples();
    double seconds = samples / timed.samplesPerSecond();
    while (seconds < MIN_TIMED_SECONDS) {
      Result again = pass(name, training, test, config);
      samples += again.samples();
      seconds += again.samples() / again.samplesPerSecond();
    }
    return new Result(timed.learner(), timed.samples(), samples / seconds, timed.warmupSeconds(), timed.stateBytes(),
        timed.prequentialAccuracy(), timed.finalTestAccuracy());
  }

  private static Result pass(String name, EncodedStream training, EncodedStream test, LearnerJobConfig config) {
    return run(Learners.create(name, config.families(), training.encoder()), training.all(), test.all(), config);
  }

  private static <S, K extends AutoCloseable> Result run(ContinualLearner<S, K> learner, FeatureBatch stream,
      FeatureBatch test, LearnerJobConfig config) {
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
      long correct = 0;
      long start = System.nanoTime();
      for (int at = from; at < stream.size(); at += piece) {
        FeatureBatch batch = stream.slice(at, Math.min(at + piece, stream.size()));
        correct += correct(learner.testThenTrain(kernel, state, batch), batch.labels);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long learned = stream.size() - from;
      long stateBytes = new StateCodec<>(learner.stateSchema()).encode(state).length;
      return new Result(learner.name(), learned, learned / seconds, warmupSeconds, stateBytes,
          (double) correct / learned, finalTestAccuracy(learner, kernel, state, test, piece));
    } catch (Exception e) {
      throw new IllegalStateException("Could not close the kernel of " + learner.name(), e);
    }
  }

  /** The final model's answers to the test set: asked as unlabelled samples, which are predicted, not learned. */
  private static <S, K extends AutoCloseable> double finalTestAccuracy(ContinualLearner<S, K> learner, K kernel,
      S state, FeatureBatch test, int piece) {
    long correct = 0;
    for (int at = 0; at < test.size(); at += piece) {
      FeatureBatch batch = test.slice(at, Math.min(at + piece, test.size()));
      int[] truth = batch.labels.clone();
      Arrays.fill(batch.labels, -1);
      correct += correct(learner.testThenTrain(kernel, state, batch), truth);
    }
    return (double) correct / test.size();
  }

  /** Samples whose best label is their true one; a sample no class was known for yet counts as wrong. */
  private static long correct(Predictions predictions, int[] labels) {
    long correct = 0;
    for (int i = 0; i < predictions.batchSize(); i++) {
      if (labels[i] >= 0 && predictions.hasPrediction(i) && predictions.predictedLabel(i) == labels[i]) {
        correct++;
      }
    }
    return correct;
  }
}
