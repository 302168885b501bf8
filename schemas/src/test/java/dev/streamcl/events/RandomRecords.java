package dev.streamcl.events;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;

/** Random generic data for any schema, to exercise every field of every released version. */
final class RandomRecords {
  private RandomRecords() {}

  static Object value(Schema schema, Random random) {
    return switch (schema.getType()) {
      case RECORD -> record(schema, random);
      case UNION -> value(schema.getTypes().get(random.nextInt(schema.getTypes().size())), random);
      case ARRAY -> array(schema, random);
      case MAP -> map(schema, random);
      case ENUM -> new GenericData.EnumSymbol(schema,
          schema.getEnumSymbols().get(random.nextInt(schema.getEnumSymbols().size())));
      case STRING -> "s" + random.nextInt(1000);
      case BYTES -> bytes(random);
      case INT -> random.nextInt(1000);
      case LONG -> Math.abs(random.nextLong() % 1_000_000_000_000L);
      case FLOAT -> random.nextFloat();
      case DOUBLE -> random.nextDouble();
      case BOOLEAN -> random.nextBoolean();
      case NULL -> null;
      default -> throw new IllegalArgumentException("No generator for " + schema.getType());
    };
  }

  private static GenericData.Record record(Schema schema, Random random) {
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      record.put(field.name(), value(field.schema(), random));
    }
    return record;
  }

  private static List<Object> array(Schema schema, Random random) {
    List<Object> items = new ArrayList<>();
    for (int i = random.nextInt(4); i > 0; i--) {
      items.add(value(schema.getElementType(), random));
    }
    return items;
  }

  private static Map<String, Object> map(Schema schema, Random random) {
    Map<String, Object> entries = new TreeMap<>();
    for (int i = random.nextInt(4); i > 0; i--) {
      entries.put("k" + random.nextInt(100), value(schema.getValueType(), random));
    }
    return entries;
  }

  private static ByteBuffer bytes(Random random) {
    byte[] bytes = new byte[random.nextInt(16)];
    random.nextBytes(bytes);
    return ByteBuffer.wrap(bytes);
  }
}
