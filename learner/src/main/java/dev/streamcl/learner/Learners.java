package dev.streamcl.learner;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.learner.kvb.KeyValueBottleneckLearner;
import dev.streamcl.learner.kvb.KeyValueBottleneckModel;
import dev.streamcl.learner.lda.StreamingLdaLearner;
import dev.streamcl.learner.nmc.NearestClassMeanLearner;
import dev.streamcl.learner.nmc.NearestClassMeanModel;
import dev.streamcl.learner.ranpac.RanpacLearner;
import dev.streamcl.learner.replay.ReplayHeadLearner;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The learner registry: every learner family, so every learner name, its option group, defaults and
 * help. The CLI, the job jar, the demo and the report read it; adding a learner adds one line here.
 */
public final class Learners {
  /** Every family, in help order. */
  public static final List<LearnerFamily<?>> FAMILIES = List.of(
      NearestClassMeanLearner.FAMILY,
      StreamingLdaLearner.FAMILY,
      RanpacLearner.FAMILY,
      KeyValueBottleneckLearner.FAMILY,
      ReplayHeadLearner.FAMILY);

  /** What a job runs unless told otherwise; fine-tuning (no replay) is the lower bound the others are judged by. */
  public static final List<String> DEFAULT_RUN = List.of(NearestClassMeanModel.LEARNER, KeyValueBottleneckModel.LEARNER,
      ReplayHeadLearner.Variant.ER.learnerName(), ReplayHeadLearner.Variant.FETRIL.learnerName(),
      ReplayHeadLearner.Variant.FINETUNE.learnerName());

  private Learners() {}

  /** Every learner name with its description, in help order. */
  public static Map<String, String> descriptions() {
    Map<String, String> all = new LinkedHashMap<>();
    FAMILIES.forEach(family -> all.putAll(family.learners()));
    return all;
  }

  public static List<String> names() {
    return List.copyOf(descriptions().keySet());
  }

  /** The family that offers {@code learner}. */
  public static LearnerFamily<?> familyOf(String learner) {
    return FAMILIES.stream().filter(f -> f.learners().containsKey(learner)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("Unknown learner '" + learner + "'; the learners are "
            + String.join(", ", names())));
  }

  /** Every family's options, in help order. */
  public static List<LearnerOption> options() {
    List<LearnerOption> options = new ArrayList<>();
    FAMILIES.forEach(family -> options.addAll(family.options()));
    return options;
  }

  /** Each family's settings read from {@code values}. */
  public static FamilySettings settings(OptionValues values, LearnerFamily.JobContext job) {
    Map<LearnerFamily<?>, Serializable> settings = new LinkedHashMap<>();
    FAMILIES.forEach(family -> settings.put(family, family.settings(values, job)));
    return new FamilySettings(settings);
  }

  /**
   * Each family's settings as a run of {@code learners} recorded them ({@code job.*} properties, prefix removed);
   * families that did not run (and recorded nothing) keep {@code defaults}.
   */
  public static FamilySettings fromRecord(Map<String, String> recorded, List<String> learners,
      FamilySettings defaults) {
    Map<LearnerFamily<?>, Serializable> settings = new LinkedHashMap<>();
    FAMILIES.forEach(family -> settings.put(family, offersAny(family, learners) ? family.fromRecord(recorded)
        : defaults.of(family)));
    return new FamilySettings(settings);
  }

  /** Whether {@code family} offers one of {@code learners}. */
  static boolean offersAny(LearnerFamily<?> family, List<String> learners) {
    return learners.stream().anyMatch(family.learners()::containsKey);
  }

  /** The learner named {@code name}, built with its family's settings. */
  public static ContinualLearner<?, ?> create(String name, FamilySettings settings, EncoderIdentity encoder) {
    return create(familyOf(name), name, settings, encoder);
  }

  private static <T extends Serializable> ContinualLearner<?, ?> create(LearnerFamily<T> family, String name,
      FamilySettings settings, EncoderIdentity encoder) {
    return family.create(name, settings.of(family), encoder);
  }
}
