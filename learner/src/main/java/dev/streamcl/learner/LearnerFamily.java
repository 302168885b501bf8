package dev.streamcl.learner;

import dev.streamcl.events.EncoderIdentity;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A family of learners that share maths and settings (e.g. the replay heads er, er-balanced, fetril
 * and finetune): the names it offers, its option group with defaults and help, its typed settings,
 * and how it builds a learner. {@link Learners} lists every family; nothing else names learners.
 *
 * @param <T> the family's typed, validated settings
 */
public interface LearnerFamily<T extends Serializable> {
  /** Learner names this family offers, each with a one-line description, in help order. */
  Map<String, String> learners();

  /** The family's options; every name starts with the family's prefix (e.g. {@code --kvb-}). */
  List<LearnerOption> options();

  /** Reads and checks the family's options; {@code job} gives what they depend on (label limit, topics). */
  T settings(OptionValues values, JobContext job);

  /** A learner of this family named {@code name}, for features of {@code encoder}. */
  ContinualLearner<?, ?> create(String name, T settings, EncoderIdentity encoder);

  /** The settings as {@code job.*} model-update properties, so a replay can rebuild them. */
  Map<String, String> record(T settings);

  /** The settings recorded by {@link #record}. */
  T fromRecord(Map<String, String> recorded);

  /** The dedicated warm-up topic the family's learners read besides the samples, or null. */
  default String warmupTopic(T settings) {
    return null;
  }

  /** Unlabelled samples a dedicated warm-up topic should hold. */
  default int warmupSamples(T settings) {
    return 0;
  }

  /** What family settings may depend on. */
  record JobContext(int labelLimit, String topicPrefix) implements Serializable {}
}
