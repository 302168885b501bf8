package dev.streamcl.dashboard;

/**
 * How far the serving service (a Kafka Streams app, consumer group {@code group}) is behind on the requests topic:
 * the topic's end offsets minus the group's committed offsets, summed over partitions.
 *
 * @param state the group's state as the coordinator reports it (STABLE while serving runs)
 * @param members serving threads in the group now
 */
public record ServingLag(String group, String state, int members, long lag) {}
