package dev.streamcl.serving;

import dev.streamcl.events.ModelUpdate;
import dev.streamcl.learner.ServableModel;
import dev.streamcl.learner.ServableModels;
import dev.streamcl.onnx.ComputeDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Builds the ONNX sessions of model versions off the stream thread (on {@code executor}); the stream thread
 * collects what is ready ({@link #ready}) and swaps it in. What finishes after {@link #close} is closed.
 */
final class ModelLoads implements AutoCloseable {
  /** A version's session build: the model, or why it failed; {@code source} is the update's record. */
  record Loaded(ModelUpdate whole, ServableModel model, RuntimeException failure, UpdateSource source) {}

  private final Executor executor;
  private final ComputeDevice device;
  private final ConcurrentLinkedQueue<Loaded> ready = new ConcurrentLinkedQueue<>();
  private boolean closed;

  ModelLoads(Executor executor, ComputeDevice device) {
    this.executor = executor;
    this.device = device;
  }

  /** Starts building; the future completes once the build finished (it is then {@link #ready}), either way. */
  CompletableFuture<Void> load(ModelUpdate whole, UpdateSource source) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          finished(new Loaded(whole, ServableModels.fromSnapshot(whole, device), null, source), done);
        } catch (RuntimeException e) {
          finished(new Loaded(whole, null, e, source), done);
        }
      });
    } catch (RejectedExecutionException e) {
      finished(new Loaded(whole, null, new IllegalStateException("serving is shutting down", e), source), done);
    }
    return done;
  }

  /** The builds finished since the last call, in the order they finished. */
  List<Loaded> ready() {
    List<Loaded> done = new ArrayList<>();
    for (Loaded loaded; (loaded = ready.poll()) != null; ) {
      done.add(loaded);
    }
    return done;
  }

  @Override
  public synchronized void close() {
    closed = true;
    ready().forEach(ModelLoads::closeModel);
  }

  private void finished(Loaded loaded, CompletableFuture<Void> done) {
    synchronized (this) {
      if (closed) {
        closeModel(loaded);
      } else {
        ready.add(loaded);
      }
    }
    done.complete(null);
  }

  private static void closeModel(Loaded loaded) {
    if (loaded.model() != null) {
      loaded.model().close();
    }
  }
}
