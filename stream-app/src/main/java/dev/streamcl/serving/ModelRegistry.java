package dev.streamcl.serving;

import dev.streamcl.learner.ServableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The models being served, by stream and learner. Swaps only move forward in version, so a stream
 * is never served a version older than one it was already served; the swapped-out model is closed
 * after its in-flight calls drain.
 */
public final class ModelRegistry {
  private final Map<String, Map<String, LeasedModel>> byStream = new ConcurrentHashMap<>();
  private final AtomicLong swappedOut = new AtomicLong();
  private final AtomicLong closed = new AtomicLong();
  private final AtomicLong closedDuringCall = new AtomicLong();
  private final ServingMetrics metrics = new ServingMetrics();

  /** The Prometheus metrics of the serving instance this registry belongs to. */
  public ServingMetrics metrics() {
    return metrics;
  }

  /** Installs {@code model} unless an equal or newer version is already served; returns whether it did. */
  public boolean swap(String streamId, ServableModel model) {
    Map<String, LeasedModel> learners = byStream.computeIfAbsent(streamId, s -> new ConcurrentHashMap<>());
    LeasedModel candidate = new LeasedModel(model, this::closed);
    LeasedModel[] replaced = new LeasedModel[1];
    LeasedModel installed = learners.merge(model.learner(), candidate, (old, fresh) -> {
      if (old.model().version() >= fresh.model().version()) {
        return old;
      }
      replaced[0] = old;
      return fresh;
    });
    if (installed != candidate) {
      model.close();
      return false;
    }
    if (replaced[0] != null) {
      swappedOut.incrementAndGet();
      replaced[0].retire();
    }
    return true;
  }

  /** Calls {@code use} on every learner's current model of a stream, holding each while in use. */
  public <R> List<R> withModels(String streamId, Function<ServableModel, R> use) {
    List<R> results = new ArrayList<>();
    Map<String, LeasedModel> learners = byStream.getOrDefault(streamId, Map.of());
    for (String learner : learners.keySet()) {
      LeasedModel served = acquireCurrent(learners, learner);
      if (served != null) {
        try {
          results.add(served.call(use));
        } finally {
          served.release();
        }
      }
    }
    return results;
  }

  /** The served version of a stream's learner, or 0: a gauge tests and operators wait on. */
  public long servedVersion(String streamId, String learner) {
    LeasedModel served = byStream.getOrDefault(streamId, Map.of()).get(learner);
    return served == null ? 0 : served.model().version();
  }

  /** The hot swaps so far: operators and tests check that swapped-out models close, and never under a call. */
  public HotSwaps hotSwaps() {
    return new HotSwaps(swappedOut.get(), closed.get(), closedDuringCall.get());
  }

  /** Drops and closes (after draining) the models of streams this instance no longer serves. */
  public void remove(String streamId) {
    Map<String, LeasedModel> learners = byStream.remove(streamId);
    if (learners != null) {
      learners.values().forEach(LeasedModel::retire);
    }
  }

  public void closeAll() {
    new ArrayList<>(byStream.keySet()).forEach(this::remove);
  }

  private void closed(boolean duringCall) {
    closed.incrementAndGet();
    if (duringCall) {
      closedDuringCall.incrementAndGet();
    }
  }

  private static LeasedModel acquireCurrent(Map<String, LeasedModel> learners, String learner) {
    while (true) {
      LeasedModel served = learners.get(learner);
      if (served == null || served.acquire()) {
        return served;
      }
    }
  }
}
