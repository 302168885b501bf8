package dev.streamcl.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Full, transitive compatibility of the schema history, checked by Avro's own checker: for every
 * event, each kept version reads records of every other kept version, older and newer. So a producer
 * of any release and a consumer of any release can share a topic (a reader resolves the writer's
 * version by its fingerprint among the released schemas).
 */
class SchemaCompatibilityTest {
  @TestFactory
  List<DynamicTest> everyKeptVersionReadsEveryOtherKeptVersion() {
    List<DynamicTest> tests = new ArrayList<>();
    for (String event : SchemaHistory.eventNames()) {
      List<Schema> versions = SchemaHistory.versions(event);
      for (int older = 0; older < versions.size(); older++) {
        for (int newer = older + 1; newer < versions.size(); newer++) {
          Schema a = versions.get(older);
          Schema b = versions.get(newer);
          String pair = event + " v" + (older + 1) + " and v" + (newer + 1);
          tests.add(DynamicTest.dynamicTest(pair, () -> assertEquals(List.of(), bothWays(a, b, pair),
              pair + " are not fully compatible")));
        }
      }
    }
    assertFalse(tests.isEmpty(), "no event has two kept versions to check");
    return tests;
  }

  @Test
  void theCheckNamesWhatBreaksCompatibility() {
    Schema current = Sample.getClassSchema();
    List<Schema.Field> fields = new ArrayList<>();
    current.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
    fields.add(new Schema.Field("priority", Schema.create(Schema.Type.INT), "required, no default"));
    Schema withRequiredField = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(),
        false, fields);

    List<String> problems = bothWays(current, withRequiredField, "Sample now and next");
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("Sample now and next: the newer reading the older: "
        + "READER_FIELD_MISSING_DEFAULT"), problems.get(0));
    assertTrue(problems.get(0).contains("priority"), problems.get(0));
  }

  /** What stops either schema from reading the other's records, one line per incompatibility. */
  private static List<String> bothWays(Schema older, Schema newer, String pair) {
    List<String> problems = new ArrayList<>();
    problems.addAll(incompatibilities(older, newer, pair + ": the older reading the newer"));
    problems.addAll(incompatibilities(newer, older, pair + ": the newer reading the older"));
    return problems;
  }

  private static List<String> incompatibilities(Schema reader, Schema writer, String direction) {
    List<String> problems = new ArrayList<>();
    for (SchemaCompatibility.Incompatibility found : SchemaCompatibility
        .checkReaderWriterCompatibility(reader, writer).getResult().getIncompatibilities()) {
      problems.add(direction + ": " + found.getType() + " at " + found.getLocation() + " (" + found.getMessage()
          + ")");
    }
    return problems;
  }
}
