package dev.streamcl.learner.replay;

import dev.streamcl.learner.Predictions;
import dev.streamcl.onnx.ComputeDevice;

/**
 * Experience replay (ER, Chaudhry et al. 2019, "On Tiny Episodic Memories in Continual Learning")
 * of a softmax head over frozen features. Per labelled minibatch: test first (predict with the head
 * before learning), then {@code stepsPerMinibatch} SGD steps on the new samples concatenated with
 * {@code replayCount} rows drawn from the memory (nothing while it is empty), then the memory
 * remembers the new samples. The mode picks the memory: a {@link ReplayBuffer}, none (fine-tuning)
 * or {@link PseudoFeatureReplay}. State ({@link #head()}, {@link #memory()}) is plain Java; the
 * ONNX kernel is rebuilt on restore. Not thread-safe.
 */
public final class ExperienceReplay implements AutoCloseable {
  private final ReplayHyperparameters config;
  private final SoftmaxHead head;
  private final ReplayMemory memory;
  private final SoftmaxSgdKernel kernel;

  public ExperienceReplay(int dim, ReplayHyperparameters config, ComputeDevice device) {
    this(config, new SoftmaxHead(dim), config.newMemory(dim), device);
  }

  /** Resumes from restored state. */
  public ExperienceReplay(ReplayHyperparameters config, SoftmaxHead head, ReplayMemory memory, ComputeDevice device) {
    this(config, head, memory, new SoftmaxSgdKernel(head.dim(), device));
  }

  /** Works on {@code head} and {@code memory} with a kernel it does not own: {@link #close()} leaves it open. */
  static ExperienceReplay sharing(ReplayHyperparameters config, SoftmaxHead head, ReplayMemory memory,
      SoftmaxSgdKernel kernel) {
    return new ExperienceReplay(config, head, memory, kernel);
  }

  private ExperienceReplay(ReplayHyperparameters config, SoftmaxHead head, ReplayMemory memory,
      SoftmaxSgdKernel kernel) {
    this.config = config;
    this.head = head;
    this.memory = memory;
    this.kernel = kernel;
  }

  /** Test-then-train on {@code n} labelled rows of {@code x}; returns the predictions made before learning. */
  public Predictions testThenTrain(float[] x, int n, int[] labels) {
    Predictions predictions = kernel.predict(head, x, n);
    for (int step = 0; step < config.stepsPerMinibatch(); step++) {
      ReplaySamples batch = ReplaySamples.concat(x, n, labels, memory.draw(x, n, labels, config.replayCount()));
      kernel.step(head, batch.features(), batch.count(), batch.labels(), config.learningRate());
    }
    memory.remember(x, n, labels);
    return predictions;
  }

  /** Predict-only (unlabelled or test samples). */
  public Predictions predict(float[] x, int n) {
    return kernel.predict(head, x, n);
  }

  public ReplayHyperparameters config() {
    return config;
  }

  /** The live head (not a copy). */
  public SoftmaxHead head() {
    return head;
  }

  /** The live memory (not a copy). */
  public ReplayMemory memory() {
    return memory;
  }

  @Override
  public void close() {
    kernel.close();
  }
}
