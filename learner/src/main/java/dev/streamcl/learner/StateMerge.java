package dev.streamcl.learner;

import java.util.function.BinaryOperator;

/**
 * How two states of one stream, learned from disjoint parts of it, combine into one: exactly (the
 * result equals learning both parts), approximately by a stated rule, or not at all.
 */
public record StateMerge<S>(Kind kind, String rule, BinaryOperator<S> operator) {
  /** How faithful a merge is. */
  public enum Kind { EXACT, APPROXIMATE, NONE }

  public static <S> StateMerge<S> exact(String rule, BinaryOperator<S> operator) {
    return new StateMerge<>(Kind.EXACT, rule, operator);
  }

  public static <S> StateMerge<S> approximate(String rule, BinaryOperator<S> operator) {
    return new StateMerge<>(Kind.APPROXIMATE, rule, operator);
  }

  public static <S> StateMerge<S> none(String why) {
    return new StateMerge<>(Kind.NONE, why, (a, b) -> {
      throw new UnsupportedOperationException("States of this learner do not merge: " + why);
    });
  }

  /** The merged state; {@code first} may be changed and returned. */
  public S apply(S first, S second) {
    return operator.apply(first, second);
  }
}
