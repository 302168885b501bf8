package dev.streamcl.serving;

import dev.streamcl.learner.ServableModel;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A servable model leased to request calls: it counts the calls in flight. A model swapped out is retired:
 * it closes its native resources only when the last in-flight call has released it.
 */
final class LeasedModel {
  private final ServableModel model;
  private final Consumer<Boolean> onClose;
  private final AtomicInteger inFlight = new AtomicInteger();
  /** Calls running on the model right now, counted apart from the leases: a witness for {@link #closeOnce}. */
  private final AtomicInteger calling = new AtomicInteger();
  private volatile boolean retired;
  private boolean closed;

  /** {@code onClose} learns of the close, and whether a call was still running on the model then. */
  LeasedModel(ServableModel model, Consumer<Boolean> onClose) {
    this.model = model;
    this.onClose = onClose;
  }

  ServableModel model() {
    return model;
  }

  /** Runs one call on the model; the caller holds a lease ({@link #acquire}). */
  <R> R call(Function<ServableModel, R> use) {
    calling.incrementAndGet();
    try {
      return use.apply(model);
    } finally {
      calling.decrementAndGet();
    }
  }

  /** Returns false when the model was retired meanwhile; the caller then looks up the newer one. */
  boolean acquire() {
    inFlight.incrementAndGet();
    if (retired) {
      release();
      return false;
    }
    return true;
  }

  void release() {
    if (inFlight.decrementAndGet() == 0 && retired) {
      closeOnce();
    }
  }

  void retire() {
    retired = true;
    if (inFlight.get() == 0) {
      closeOnce();
    }
  }

  private synchronized void closeOnce() {
    if (!closed && inFlight.get() == 0) {
      closed = true;
      boolean duringCall = calling.get() > 0;
      model.close();
      onClose.accept(duringCall);
    }
  }

  boolean isClosed() {
    return closed;
  }
}
