package dev.streamcl.learner;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The learner job's options as given (every option present, defaults filled in), read into typed
 * values. Each reader checks its value once and fails with a message that names the option, the bad
 * value and what is allowed.
 */
public final class OptionValues {
  private final Map<String, String> values;

  public OptionValues(Map<String, String> values) {
    this.values = new TreeMap<>(values);
  }

  public String string(String option) {
    String value = values.get(option);
    if (value == null) {
      throw new IllegalStateException("Option " + option + " was not declared; declare it in the learner registry");
    }
    return value;
  }

  public boolean flag(String option) {
    return Boolean.parseBoolean(string(option));
  }

  public int positiveInt(String option) {
    return (int) whole(option, 1, Integer.MAX_VALUE, "a whole number of at least 1");
  }

  public int nonNegativeInt(String option) {
    return (int) whole(option, 0, Integer.MAX_VALUE, "a whole number of at least 0");
  }

  public long positiveLong(String option) {
    return whole(option, 1, Long.MAX_VALUE, "a whole number of at least 1");
  }

  public long anyLong(String option) {
    return whole(option, Long.MIN_VALUE, Long.MAX_VALUE, "a whole number");
  }

  public float positiveFloat(String option) {
    String value = string(option);
    try {
      float parsed = Float.parseFloat(value);
      if (parsed > 0 && Float.isFinite(parsed)) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(option, value, "a number above 0, e.g. 0.1");
  }

  /** One of {@code allowed}. */
  public String choice(String option, String... allowed) {
    String value = string(option);
    if (!Arrays.asList(allowed).contains(value)) {
      throw invalid(option, value, "one of " + String.join(", ", allowed));
    }
    return value;
  }

  /** A comma-separated list, each item one of {@code allowed}, at least one. */
  public List<String> choices(String option, List<String> allowed) {
    String value = string(option);
    List<String> items = Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (items.isEmpty() || !allowed.containsAll(items) || items.stream().distinct().count() != items.size()) {
      throw invalid(option, value, "a comma-separated list of distinct names out of " + String.join(", ", allowed));
    }
    return items;
  }

  private long whole(String option, long min, long max, String allowed) {
    String value = string(option);
    try {
      long parsed = Long.parseLong(value.replace("_", ""));
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw invalid(option, value, allowed);
  }

  public static InvalidOptionException invalid(String option, String value, String allowed) {
    return new InvalidOptionException("Invalid value '" + value + "' for option " + option + ": expected " + allowed);
  }

  /** A bad option value; the message says which option, what was given and what is allowed. */
  public static final class InvalidOptionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidOptionException(String message) {
      super(message);
    }
  }
}
