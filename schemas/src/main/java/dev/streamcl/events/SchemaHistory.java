package dev.streamcl.events;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Every released version of every event schema, kept as {@code history/<Name>-v<N>.avsc} resources.
 * Readers register all of them so records written by any earlier release still decode.
 */
public final class SchemaHistory {
  /** Event names and how many released versions each has. Add a file and bump the count on a change. */
  private static final String[][] RELEASES = {
    {"Sample", "2"}, {"ModelUpdate", "3"}, {"Prediction", "1"}, {"DeadLetter", "1"}, {"EvalResult", "2"},
    {"LearnerThroughput", "1"}, {"Alert", "2"}
  };

  private SchemaHistory() {}

  public static List<String> eventNames() {
    List<String> names = new ArrayList<>();
    for (String[] release : RELEASES) {
      names.add(release[0]);
    }
    return names;
  }

  /** Released versions of one event, oldest first. */
  public static List<Schema> versions(String eventName) {
    for (String[] release : RELEASES) {
      if (release[0].equals(eventName)) {
        List<Schema> schemas = new ArrayList<>();
        int count = Integer.parseInt(release[1]);
        for (int v = 1; v <= count; v++) {
          schemas.add(load(eventName + "-v" + v + ".avsc"));
        }
        return schemas;
      }
    }
    throw new IllegalArgumentException("No schema history for event '" + eventName + "'");
  }

  private static Schema load(String file) {
    String resource = "history/" + file;
    try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Schema history file " + resource + " is missing from the classpath");
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read schema history file " + resource, e);
    }
  }
}
