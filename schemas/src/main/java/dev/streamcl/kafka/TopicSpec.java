package dev.streamcl.kafka;

/**
 * A topic name, typed by the event its values hold ({@code V}); keys are always UTF-8 strings. Values are
 * encoded with {@link dev.streamcl.events.EventCodec}.
 */
public record TopicSpec<V>(String name) {}
