package dev.streamcl.flink;

import dev.streamcl.events.DeadLetterReason;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import dev.streamcl.events.Text;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Every kind of sample record the learner job must dead-letter, each with the reason it must give: what
 * a broken or careless producer writes. Values are built for streams of 28x28 images with the default
 * label limit of 10 and a job whose payload limit is {@code maxPayloadBytes}.
 */
enum Poison {
  RANDOM_BYTES(DeadLetterReason.MALFORMED),
  TRUNCATED_AVRO(DeadLetterReason.MALFORMED),
  WRONG_FINGERPRINT(DeadLetterReason.MALFORMED),
  EMPTY_VALUE(DeadLetterReason.MALFORMED),
  NULL_VALUE(DeadLetterReason.MALFORMED),
  WRONG_SHAPE(DeadLetterReason.WRONG_SHAPE),
  NAN_FEATURE(DeadLetterReason.NON_FINITE),
  INFINITE_FEATURE(DeadLetterReason.NON_FINITE),
  LABEL_TEN(DeadLetterReason.UNKNOWN_LABEL),
  LABEL_MINUS_THREE(DeadLetterReason.UNKNOWN_LABEL),
  TEXT_INPUT(DeadLetterReason.UNSUPPORTED_INPUT),
  OVERSIZED(DeadLetterReason.OVERSIZED);

  private static final int FINGERPRINT_START = 2;
  private static final int FINGERPRINT_BYTES = 8;

  private final DeadLetterReason reason;

  Poison(DeadLetterReason reason) {
    this.reason = reason;
  }

  DeadLetterReason reason() {
    return reason;
  }

  /** The record value of this kind at {@code sequence} of {@code stream} (null for {@link #NULL_VALUE}). */
  byte[] value(String stream, long sequence, Random random, int maxPayloadBytes) {
    EventCodec<Sample> codec = EventCodec.samples();
    Sample valid = TestSamples.image(stream, sequence, 1, TestSamples.pixels(1, random));
    return switch (this) {
      case RANDOM_BYTES -> randomBytes(random, 200);
      case TRUNCATED_AVRO -> {
        byte[] whole = codec.encode(valid);
        yield Arrays.copyOf(whole, whole.length / 2);
      }
      case WRONG_FINGERPRINT -> withUnknownFingerprint(codec.encode(valid));
      case EMPTY_VALUE -> new byte[0];
      case NULL_VALUE -> null;
      case WRONG_SHAPE -> codec.encode(TestSamples.tensor(stream, sequence, 1, List.of(27, 28), new float[27 * 28]));
      case NAN_FEATURE -> codec.encode(TestSamples.tensor(stream, sequence, 1, List.of(28, 28), tensorWith(Float.NaN)));
      case INFINITE_FEATURE -> codec.encode(
          TestSamples.tensor(stream, sequence, 1, List.of(28, 28), tensorWith(Float.NEGATIVE_INFINITY)));
      case LABEL_TEN -> codec.encode(Sample.newBuilder(valid).setLabel(10).build());
      case LABEL_MINUS_THREE -> codec.encode(Sample.newBuilder(valid).setLabel(-3).build());
      case TEXT_INPUT -> codec.encode(Sample.newBuilder(valid).setInput(new Text("a pullover, size M")).build());
      case OVERSIZED -> codec.encode(Sample.newBuilder(valid)
          .setInput(new RawImage(1, maxPayloadBytes, 1, ByteBuffer.wrap(new byte[maxPayloadBytes]))).build());
    };
  }

  /** A well-formed sample whose schema fingerprint no released schema has. */
  private static byte[] withUnknownFingerprint(byte[] encoded) {
    for (int i = FINGERPRINT_START; i < FINGERPRINT_START + FINGERPRINT_BYTES; i++) {
      encoded[i] = (byte) ~encoded[i];
    }
    return encoded;
  }

  private static float[] tensorWith(float bad) {
    float[] values = new float[28 * 28];
    Arrays.fill(values, 0.5f);
    values[100] = bad;
    return values;
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }
}
