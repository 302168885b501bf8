package dev.streamcl.serving;

import java.util.Map;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * Tells the serving processor that its task is about to commit, so the requests it holds for a micro-batch
 * are answered inside the transaction that commits their offsets. Kafka Streams has no public pre-commit
 * callback for a processor; its record caches get one — {@link CachedStateStore#flushCache()}, called by
 * the task before it commits (and before a clean close or a handed-back partition commits) — and forward
 * what they hold downstream there. This store holds nothing and only passes that call on; a task closed
 * without a commit calls {@link #clearCache()}, and the records held are processed again.
 *
 * <p>{@code CachedStateStore} is internal to Kafka Streams (4.2.x here, pinned with the clients); the
 * serving tests guard the call: without it no answer is committed until a punctuation.
 */
final class CommitFlush implements StateStore, CachedStateStore<Object, Object> {
  private final String name;
  private Runnable beforeCommit = () -> {};
  private Runnable dropHeld = () -> {};
  private boolean open;

  private CommitFlush(String name) {
    this.name = name;
  }

  /** {@code beforeCommit} answers what is held; {@code dropHeld} forgets it (it will be processed again). */
  void onCommit(Runnable beforeCommit, Runnable dropHeld) {
    this.beforeCommit = beforeCommit;
    this.dropHeld = dropHeld;
  }

  @Override
  public void flushCache() {
    beforeCommit.run();
  }

  @Override
  public void clearCache() {
    dropHeld.run();
  }

  @Override
  public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
    return false;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    context.register(root, (key, value) -> {});
    open = true;
  }

  @Override
  public void flush() {}

  @Override
  public void close() {
    open = false;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  static StoreBuilder<CommitFlush> builder(String name) {
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<CommitFlush> withCachingEnabled() {
        return this;
      }

      @Override
      public StoreBuilder<CommitFlush> withCachingDisabled() {
        return this;
      }

      @Override
      public StoreBuilder<CommitFlush> withLoggingEnabled(Map<String, String> config) {
        throw new UnsupportedOperationException("The commit flush holds nothing to log");
      }

      @Override
      public StoreBuilder<CommitFlush> withLoggingDisabled() {
        return this;
      }

      @Override
      public CommitFlush build() {
        return new CommitFlush(name);
      }

      @Override
      public Map<String, String> logConfig() {
        return Map.of();
      }

      @Override
      public boolean loggingEnabled() {
        return false;
      }

      @Override
      public String name() {
        return name;
      }
    };
  }
}
