package dev.streamcl.kafka;

import org.apache.kafka.common.serialization.Serde;

/** A topic name with the serde of its values; keys are always UTF-8 strings. */
public record TopicSpec<V>(String name, Serde<V> valueSerde) {}
