package dev.streamcl.learner.replay;

/** What a replay-head learner keeps per stream: the softmax head and the memory it rehearses from. */
public record ReplayHeadState(SoftmaxHead head, ReplayMemory memory) {}
