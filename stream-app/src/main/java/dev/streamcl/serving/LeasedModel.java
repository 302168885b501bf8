package dev.streamcl.serving;

import dev.streamcl.learner.ServableModel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A servable model leased to request calls: it counts the calls in flight. A model swapped out is retired:
 * it closes its native resources only when the last in-flight call has released it.
 */
final class LeasedModel {
  private final ServableModel model;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean retired;
  private boolean closed;

  LeasedModel(ServableModel model) {
    this.model = model;
  }

  ServableModel model() {
    return model;
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
      model.close();
    }
  }

  boolean isClosed() {
    return closed;
  }
}
