package dev.streamcl.bench;

import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/** The bench result as JSON: records become objects, collections arrays, maps objects. */
final class BenchJson {
  private BenchJson() {}

  static String of(Object value) {
    StringBuilder json = new StringBuilder();
    write(value, json);
    return json.append('\n').toString();
  }

  private static void write(Object value, StringBuilder json) {
    if (value == null) {
      json.append("null");
    } else if (value instanceof Number || value instanceof Boolean) {
      json.append(finite(value));
    } else if (value instanceof Record record) {
      writeRecord(record, json);
    } else if (value instanceof Map<?, ?> map) {
      writeEntries(map.entrySet().iterator(), json);
    } else if (value instanceof Collection<?> items) {
      json.append('[');
      String separator = "";
      for (Object item : items) {
        json.append(separator);
        write(item, json);
        separator = ",";
      }
      json.append(']');
    } else {
      json.append('"').append(value.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
  }

  private static String finite(Object number) {
    return number instanceof Double d && !Double.isFinite(d) ? "null" : number.toString();
  }

  private static void writeRecord(Record record, StringBuilder json) {
    json.append('{');
    String separator = "";
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      json.append(separator).append('"').append(component.getName()).append("\":");
      try {
        component.getAccessor().setAccessible(true);
        write(component.getAccessor().invoke(record), json);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("Cannot read " + component, e);
      }
      separator = ",";
    }
    json.append('}');
  }

  private static void writeEntries(Iterator<? extends Map.Entry<?, ?>> entries, StringBuilder json) {
    json.append('{');
    String separator = "";
    while (entries.hasNext()) {
      Map.Entry<?, ?> entry = entries.next();
      json.append(separator).append('"').append(entry.getKey()).append("\":");
      write(entry.getValue(), json);
      separator = ",";
    }
    json.append('}');
  }
}
