package dev.streamcl.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-stream kernel cache stays bounded and closes what it lets go. */
class KernelCacheTest {
  private final List<String> closed = new ArrayList<>();

  private AutoCloseable kernel(String name) {
    return () -> closed.add(name);
  }

  @Test
  void theLeastRecentlyUsedKernelIsClosedWhenTheCacheIsFull() throws Exception {
    try (KernelCache<AutoCloseable> cache = new KernelCache<>(2)) {
      AutoCloseable a = cache.get("a", () -> kernel("a"));
      cache.get("b", () -> kernel("b"));
      assertSame(a, cache.get("a", () -> kernel("a again")), "a cached kernel is reused");
      cache.get("c", () -> kernel("c"));
      assertEquals(List.of("b"), closed, "b was least recently used");
      assertEquals(2, cache.size());
      cache.get("b", () -> kernel("b2"));
      assertEquals(List.of("b", "a"), closed);
    }
    assertEquals(List.of("b", "a", "c", "b2"), closed, "close() closes every kernel still open");
  }
}
