package dev.streamcl.serving;

/**
 * What hot swapping did so far: models swapped out by a newer version, models closed (swapped out or
 * dropped, each once its calls drained), and closes that found a call still running on the model —
 * that one must stay 0.
 */
public record HotSwaps(long swappedOut, long closed, long closedDuringCall) {}
