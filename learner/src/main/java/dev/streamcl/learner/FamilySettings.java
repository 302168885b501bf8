package dev.streamcl.learner;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The typed settings of every learner family of a job, looked up by family. */
public final class FamilySettings implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<Serializable> settings;

  FamilySettings(Map<LearnerFamily<?>, Serializable> byFamily) {
    this.settings = Learners.FAMILIES.stream().map(f -> Objects.requireNonNull(byFamily.get(f), "settings of " + f))
        .toList();
  }

  @SuppressWarnings("unchecked")
  public <T extends Serializable> T of(LearnerFamily<T> family) {
    return (T) settings.get(Learners.FAMILIES.indexOf(family));
  }

  /** The same settings with {@code family}'s replaced. */
  public <T extends Serializable> FamilySettings with(LearnerFamily<T> family, T value) {
    Map<LearnerFamily<?>, Serializable> copy = new LinkedHashMap<>();
    for (LearnerFamily<?> f : Learners.FAMILIES) {
      copy.put(f, f == family ? value : settings.get(Learners.FAMILIES.indexOf(f)));
    }
    return new FamilySettings(copy);
  }

  /**
   * The settings of the families that offer one of {@code learners} as {@code job.*} properties (prefix not
   * included): a family that does not run has nothing to say about the run, and adding a family leaves the
   * updates of runs without it byte for byte as they were.
   */
  public Map<String, String> record(List<String> learners) {
    Map<String, String> recorded = new LinkedHashMap<>();
    for (LearnerFamily<?> family : Learners.FAMILIES) {
      if (Learners.offersAny(family, learners)) {
        recorded.putAll(recordOf(family));
      }
    }
    return recorded;
  }

  /** The dedicated warm-up topic of {@code family}'s learners, or null. */
  public <T extends Serializable> String warmupTopic(LearnerFamily<T> family) {
    return family.warmupTopic(of(family));
  }

  /** How many unlabelled samples {@code family}'s warm-up topic should hold. */
  public <T extends Serializable> int warmupSamples(LearnerFamily<T> family) {
    return family.warmupSamples(of(family));
  }

  private <T extends Serializable> Map<String, String> recordOf(LearnerFamily<T> family) {
    return family.record(of(family));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FamilySettings other && settings.equals(other.settings);
  }

  @Override
  public int hashCode() {
    return settings.hashCode();
  }

  @Override
  public String toString() {
    return settings.toString();
  }
}
