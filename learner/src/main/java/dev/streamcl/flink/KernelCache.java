package dev.streamcl.flink;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The native kernels (ONNX sessions) of a learner operator, shared by states with equal kernel keys,
 * least recently used first out: at most {@code capacity} stay open, an evicted one is closed, and
 * {@link #close()} closes the rest. A kernel is rebuilt from state when its key comes back.
 */
final class KernelCache<K extends AutoCloseable> implements AutoCloseable {
  private final int capacity;
  private final LinkedHashMap<Object, K> kernels = new LinkedHashMap<>(16, 0.75f, true);

  KernelCache(int capacity) {
    this.capacity = capacity;
  }

  K get(Object key, Supplier<K> open) throws Exception {
    K kernel = kernels.get(key);
    if (kernel == null) {
      kernel = open.get();
      kernels.put(key, kernel);
      evictBeyondCapacity();
    }
    return kernel;
  }

  int size() {
    return kernels.size();
  }

  private void evictBeyondCapacity() throws Exception {
    Iterator<Map.Entry<Object, K>> eldest = kernels.entrySet().iterator();
    while (kernels.size() > capacity && eldest.hasNext()) {
      K evicted = eldest.next().getValue();
      eldest.remove();
      evicted.close();
    }
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (K kernel : kernels.values()) {
      try {
        kernel.close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    kernels.clear();
    if (first != null) {
      throw first;
    }
  }
}
