package dev.streamcl.learner;

import java.util.function.BinaryOperator;

/**
 * How two states of one stream, learned from disjoint parts of it, combine into one: exactly (the
 * result equals learning both parts), approximately by a stated rule, or not at all.
 */
public record StateMerge<S>(Kind kind, String rule, Combiner<S> combiner) {
  /** How faithful a merge is. */
  public enum Kind { EXACT, APPROXIMATE, NONE }

  /** Combines two states, each with the labelled samples it learned (the weights of averaging rules). */
  @FunctionalInterface
  public interface Combiner<S> {
    /** The merged state; {@code first} may be changed and returned. */
    S combine(S first, long firstLabelled, S second, long secondLabelled);
  }

  public static <S> StateMerge<S> exact(String rule, BinaryOperator<S> operator) {
    return new StateMerge<>(Kind.EXACT, rule, (first, n, second, m) -> operator.apply(first, second));
  }

  public static <S> StateMerge<S> approximate(String rule, BinaryOperator<S> operator) {
    return new StateMerge<>(Kind.APPROXIMATE, rule, (first, n, second, m) -> operator.apply(first, second));
  }

  /** An approximate merge that weighs each state by the labelled samples it learned. */
  public static <S> StateMerge<S> weighted(String rule, Combiner<S> combiner) {
    return new StateMerge<>(Kind.APPROXIMATE, rule, combiner);
  }

  public static <S> StateMerge<S> none(String why) {
    return new StateMerge<>(Kind.NONE, why, (first, n, second, m) -> {
      throw new UnsupportedOperationException("States of this learner do not merge: " + why);
    });
  }

  /** The merged state of two parts that each learned the same number of labelled samples. */
  public S apply(S first, S second) {
    return combiner.combine(first, 1, second, 1);
  }

  /** The merged state; {@code first} may be changed and returned. */
  public S apply(S first, long firstLabelled, S second, long secondLabelled) {
    return combiner.combine(first, firstLabelled, second, secondLabelled);
  }
}
