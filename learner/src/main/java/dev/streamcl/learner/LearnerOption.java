package dev.streamcl.learner;

/**
 * One command-line option of the learner job: its name ({@code --kvb-batch}), its default as typed on
 * the command line (null for a flag, which is off unless given), and its help text. The CLI and the
 * job jar both build their parsers from these, so they accept exactly the same options.
 */
public record LearnerOption(String name, String defaultValue, String help) {
  public LearnerOption {
    if (!name.startsWith("--")) {
      throw new IllegalArgumentException("Option names start with --, got " + name);
    }
  }

  /** An option with a value. */
  public static LearnerOption of(String name, Object defaultValue, String help) {
    return new LearnerOption(name, String.valueOf(defaultValue), help);
  }

  /** A switch: off unless given. */
  public static LearnerOption flag(String name, String help) {
    return new LearnerOption(name, null, help);
  }

  public boolean isFlag() {
    return defaultValue == null;
  }
}
