package dev.streamcl.serving;

/**
 * Where a model update came from, for a dead letter about it when its session build fails later;
 * {@code recordContext} is what {@link HeldForwards#recordContext()} gave while it was processed.
 */
record UpdateSource(String topic, int partition, long offset, String key, byte[] value, Object recordContext) {}
