package dev.streamcl.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EncoderIdentity;
import dev.streamcl.learner.Predictions;
import dev.streamcl.learner.ServableModel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Hot swap in {@link ModelRegistry}: forward-only versions, and drain-then-close of swapped-out models. */
class ModelRegistryTest {
  private static final String STREAM = "s";
  private static final String NMC = "nmc";

  private final ModelRegistry registry = new ModelRegistry();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void aModelSwappedOutDuringACallIsClosedOnlyAfterTheCallReturns() throws Exception {
    FakeModel v1 = new FakeModel(NMC, 1);
    FakeModel v2 = new FakeModel(NMC, 2);
    registry.swap(STREAM, v1);
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch finishCall = new CountDownLatch(1);
    AtomicBoolean closedDuringCall = new AtomicBoolean();

    Future<List<Long>> slowCall = threads.submit(() -> registry.withModels(STREAM, model -> {
      inCall.countDown();
      await(finishCall);
      closedDuringCall.set(((FakeModel) model).closes.get() > 0);
      return model.version();
    }));
    assertTrue(inCall.await(10, TimeUnit.SECONDS));

    assertTrue(registry.swap(STREAM, v2));
    assertEquals(2, registry.servedVersion(STREAM, NMC), "the new version is served at once");
    assertEquals(List.of(2L), registry.withModels(STREAM, ServableModel::version), "new calls use the new version");
    assertEquals(0, v1.closes.get(), "v1 is still in use by the slow call");
    assertEquals(new HotSwaps(1, 0, 0), registry.hotSwaps(), "swapped out, not closed yet");

    finishCall.countDown();
    assertEquals(List.of(1L), slowCall.get(10, TimeUnit.SECONDS),
        "the slow call finished on the model it started with");
    assertFalse(closedDuringCall.get());
    assertEquals(1, v1.closes.get(), "closed once the call returned");
    assertEquals(new HotSwaps(1, 1, 0), registry.hotSwaps());
    assertEquals(0, v2.closes.get());
  }

  @Test
  void aModelSwappedOutWhileIdleIsClosedAtOnce() {
    FakeModel v1 = new FakeModel(NMC, 1);
    registry.swap(STREAM, v1);
    registry.withModels(STREAM, ServableModel::version);

    assertTrue(registry.swap(STREAM, new FakeModel(NMC, 2)));
    assertEquals(1, v1.closes.get());
  }

  @Test
  void anOlderOrEqualVersionIsRefusedAndClosed() {
    FakeModel v3 = new FakeModel(NMC, 3);
    registry.swap(STREAM, v3);
    FakeModel v2 = new FakeModel(NMC, 2);
    FakeModel otherV3 = new FakeModel(NMC, 3);

    assertFalse(registry.swap(STREAM, v2));
    assertFalse(registry.swap(STREAM, otherV3));

    assertEquals(3, registry.servedVersion(STREAM, NMC));
    assertEquals(List.of(3L), registry.withModels(STREAM, ServableModel::version));
    assertEquals(1, v2.closes.get(), "a refused model is closed: nobody else will");
    assertEquals(1, otherV3.closes.get());
    assertEquals(0, v3.closes.get(), "the served model stays open");
  }

  @Test
  void learnersAndStreamsAreServedSideBySide() {
    registry.swap(STREAM, new FakeModel(NMC, 4));
    registry.swap(STREAM, new FakeModel("kvb", 1));
    registry.swap("other", new FakeModel(NMC, 9));

    assertEquals(List.of(1L, 4L), sorted(registry.withModels(STREAM, ServableModel::version)));
    assertEquals(1, registry.servedVersion(STREAM, "kvb"));
    assertEquals(9, registry.servedVersion("other", NMC));
    assertEquals(0, registry.servedVersion("unknown", NMC));
    assertTrue(registry.withModels("unknown", ServableModel::version).isEmpty());
  }

  @Test
  void removeClosesAStreamsModelsAfterTheirCallsDrain() throws Exception {
    FakeModel v1 = new FakeModel(NMC, 1);
    registry.swap(STREAM, v1);
    CountDownLatch inCall = new CountDownLatch(1);
    CountDownLatch finishCall = new CountDownLatch(1);
    Future<List<Long>> slowCall = threads.submit(() -> registry.withModels(STREAM, model -> {
      inCall.countDown();
      await(finishCall);
      return model.version();
    }));
    assertTrue(inCall.await(10, TimeUnit.SECONDS));

    registry.remove(STREAM);
    assertEquals(0, registry.servedVersion(STREAM, NMC));
    assertEquals(0, v1.closes.get());
    finishCall.countDown();
    assertEquals(List.of(1L), slowCall.get(10, TimeUnit.SECONDS));
    assertEquals(1, v1.closes.get());
  }

  @Test
  void concurrentCallsNeverUseAClosedModelNorAnOlderVersion() throws Exception {
    int versions = 400;
    int callers = 3;
    List<FakeModel> models = new ArrayList<>();
    registry.swap(STREAM, track(models, new FakeModel(NMC, 1)));
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicInteger calls = new AtomicInteger();
    List<Future<?>> running = new ArrayList<>();
    for (int t = 0; t < callers; t++) {
      running.add(threads.submit(() -> {
        long newestSeen = 0;
        while (!stop.get()) {
          for (long version : registry.withModels(STREAM, model -> ((FakeModel) model).use())) {
            if (version < newestSeen) {
              violations.add("a caller went back from v" + newestSeen + " to v" + version);
            }
            newestSeen = Math.max(newestSeen, version);
          }
          calls.incrementAndGet();
        }
      }));
    }
    for (int v = 2; v <= versions; v++) {
      registry.swap(STREAM, track(models, new FakeModel(NMC, v)));
      if (v % 20 == 0) {
        Thread.sleep(1);
      }
    }
    stop.set(true);
    for (Future<?> caller : running) {
      caller.get(30, TimeUnit.SECONDS);
    }
    HotSwaps swaps = registry.hotSwaps();
    registry.closeAll();

    assertTrue(calls.get() > 0);
    assertTrue(violations.isEmpty(), violations.toString());
    assertEquals(new HotSwaps(versions - 1, versions - 1, 0), swaps,
        "every swapped-out model closed once its calls drained, none under a call");
    for (FakeModel model : models) {
      assertTrue(model.misuses.isEmpty(), "v" + model.version + ": " + model.misuses);
      assertEquals(1, model.closes.get(), "v" + model.version + " closed exactly once");
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A servable model that records close() and any use after it. */
  private static final class FakeModel implements ServableModel {
    final String learner;
    final long version;
    final AtomicInteger closes = new AtomicInteger();
    final ConcurrentLinkedQueue<String> misuses = new ConcurrentLinkedQueue<>();

    FakeModel(String learner, long version) {
      this.learner = learner;
      this.version = version;
    }

    /** A call that checks the model stays open for its whole duration. */
    long use() {
      if (closes.get() > 0) {
        misuses.add("used after close");
      }
      Thread.yield();
      if (closes.get() > 0) {
        misuses.add("closed during a call");
      }
      return version;
    }

    @Override
    public String learner() {
      return learner;
    }

    @Override
    public long version() {
      return version;
    }

    @Override
    public EncoderIdentity encoder() {
      return new EncoderIdentity("fake", "sha", 1);
    }

    @Override
    public Predictions predict(float[] features, int batchSize) {
      use();
      return new Predictions(new int[][] {{(int) version}}, new float[][] {{0f}}, new float[1], 1);
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  private static FakeModel track(List<FakeModel> models, FakeModel model) {
    models.add(model);
    return model;
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("test latch timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static List<Long> sorted(List<Long> values) {
    List<Long> copy = new ArrayList<>(values);
    copy.sort(null);
    return copy;
  }
}
