package dev.streamcl.serving;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;

/**
 * Forwards the answers of requests held for a micro-batch, each under its request's own record context (the
 * source topic, partition and offset that error handlers and the sink see), also from {@link CommitFlush}: at
 * a commit the task has no current node, and Kafka Streams' record caches set their node and each entry's
 * record context there the same way. Under a context that is not Kafka Streams' own (a test's mock), forwards
 * as it is.
 */
final class HeldForwards {
  private final ProcessorContext<String, byte[]> context;
  private final InternalProcessorContext<String, byte[]> internal;
  private final ProcessorNode<?, ?, ?, ?> node;

  /** Call in {@code init}, where the processor's own node is current. */
  @SuppressWarnings("unchecked")
  HeldForwards(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.internal = context instanceof InternalProcessorContext<?, ?> c
        ? (InternalProcessorContext<String, byte[]>) c : null;
    this.node = internal == null ? null : internal.currentNode();
  }

  /** The record being processed, to forward its answer under later; null under a mock context. */
  Object recordContext() {
    return internal == null ? null : internal.recordContext();
  }

  /** Runs {@code forwarding} as the processor's node, whatever node (if any) is current. */
  void asProcessor(Runnable forwarding) {
    if (internal == null) {
      forwarding.run();
      return;
    }
    ProcessorNode<?, ?, ?, ?> previousNode = internal.currentNode();
    ProcessorRecordContext previousRecord = internal.recordContext();
    internal.setCurrentNode(node);
    try {
      forwarding.run();
    } finally {
      internal.setRecordContext(previousRecord);
      internal.setCurrentNode(previousNode);
    }
  }

  /** Forwards under {@code recordContext} (from {@link #recordContext()}); inside {@link #asProcessor} only. */
  void forward(Object recordContext, Record<String, byte[]> record, String child) {
    if (internal != null && recordContext != null) {
      internal.setRecordContext((ProcessorRecordContext) recordContext);
    }
    context.forward(record, child);
  }
}
