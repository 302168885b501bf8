package dev.streamcl.learner;

import java.util.Map;

/** Reads settings a run recorded as {@code job.*} model-update properties (given here without the prefix). */
public final class RecordedValues {
  private RecordedValues() {}

  public static String get(Map<String, String> recorded, String key) {
    String value = recorded.get(key);
    if (value == null) {
      throw new IllegalArgumentException("The model updates do not record the job's job." + key
          + ": they were published by an older StreamCL; replay with `streamcl learn` and the original options");
    }
    return value;
  }

  /** A comma-separated entry of exactly {@code count} values. */
  public static String[] list(Map<String, String> recorded, String key, int count) {
    String[] values = get(recorded, key).split(",");
    if (values.length != count) {
      throw new IllegalArgumentException("job." + key + " should hold " + count + " numbers, got '" + get(recorded, key)
          + "'");
    }
    return values;
  }
}
