package dev.streamcl.cli;

import dev.streamcl.encoder.Encoder;
import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import dev.streamcl.onnx.ComputeDevice;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How the learner job learns; `learn` and `demo` carry every learner job option through
 * {@code @Command(modelTransformer = LearnerJobOptions.Transformer.class)}, the same options the job
 * jar's main accepts, and read them here.
 */
final class LearnerOptions {
  private LearnerOptions() {}

  /** The configuration; its encoder is opened once on the CPU, so a bad model file fails before any job starts. */
  static LearnerJobConfig config(CommandSpec spec, String topicPrefix) {
    LearnerJobConfig config = LearnerJobOptions.config(LearnerJobOptions.values(spec), topicPrefix);
    try (Encoder encoder = config.encoder().withDevice(ComputeDevice.cpu()).open()) {
      return config;
    }
  }
}
