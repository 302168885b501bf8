package dev.streamcl.cli;

import dev.streamcl.flink.LearnerJobConfig;
import dev.streamcl.flink.LearnerJobOptions;
import picocli.CommandLine.Model.CommandSpec;

/**
 * How the learner job learns; `learn` and `demo` carry every learner job option through
 * {@code @Command(modelTransformer = LearnerJobOptions.Transformer.class)}, the same options the job
 * jar's main accepts, and read them here.
 */
final class LearnerOptions {
  private LearnerOptions() {}

  /** The configuration; its encoder is opened once on its device, so a bad file or device fails before any job. */
  static LearnerJobConfig config(CommandSpec spec, String topicPrefix) {
    LearnerJobConfig config = parse(spec, topicPrefix);
    EncoderCheck.opened(config.encoder().withDevice(config.device()));
    return config;
  }

  /** The configuration the options give, unchecked. */
  static LearnerJobConfig parse(CommandSpec spec, String topicPrefix) {
    return LearnerJobOptions.config(LearnerJobOptions.values(spec), topicPrefix);
  }
}
