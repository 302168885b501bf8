package dev.streamcl.serving;

import dev.streamcl.events.Sample;
import java.util.Arrays;

/**
 * Requests held for one micro-batch, in the order they came: their inputs side by side (one encoder call for
 * all), what their answers carry, and the record context each answer is forwarded under.
 */
final class RequestBatch {
  private final int capacity;
  private final int inputSize;
  private final float[] inputs;
  private final Sample[] requests;
  private final int[] trueLabels;
  private final long[] timestamps;
  private final Object[] recordContexts;
  private int size;

  RequestBatch(int capacity, int inputSize) {
    this.capacity = capacity;
    this.inputSize = inputSize;
    this.inputs = new float[capacity * inputSize];
    this.requests = new Sample[capacity];
    this.trueLabels = new int[capacity];
    this.timestamps = new long[capacity];
    this.recordContexts = new Object[capacity];
  }

  /** Where the next request's input goes: {@code inputs()} from this offset, {@code inputSize} floats. */
  int nextInputOffset() {
    return size * inputSize;
  }

  /** Adds a request whose input was written at {@link #nextInputOffset()}; returns whether the batch is full. */
  boolean add(Sample request, int trueLabel, long timestamp, Object recordContext) {
    requests[size] = request;
    trueLabels[size] = trueLabel;
    timestamps[size] = timestamp;
    recordContexts[size] = recordContext;
    size++;
    return size == capacity;
  }

  float[] inputs() {
    return inputs;
  }

  int size() {
    return size;
  }

  boolean isEmpty() {
    return size == 0;
  }

  Sample request(int i) {
    return requests[i];
  }

  int trueLabel(int i) {
    return trueLabels[i];
  }

  long timestamp(int i) {
    return timestamps[i];
  }

  Object recordContext(int i) {
    return recordContexts[i];
  }

  void clear() {
    Arrays.fill(requests, 0, size, null);
    Arrays.fill(recordContexts, 0, size, null);
    size = 0;
  }
}
