package dev.streamcl.scenario;

import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import java.nio.ByteBuffer;
import java.util.Random;

/** What every Fashion-MNIST scenario shares: its sample records and its one shuffle. */
final class ScenarioSamples {
  private ScenarioSamples() {}

  /**
   * A 28×28 grey image sample. {@code pixels} must be the caller's own copy: a consumer of the
   * sample must not be able to change the dataset. Event time is fixed by the sequence, so
   * re-publishing gives identical bytes.
   */
  static Sample image(String streamId, long sequence, int taskId, int label, byte[] pixels) {
    return Sample.newBuilder()
        .setStreamId(streamId)
        .setSequence(sequence)
        .setEventTime(SplitFashionMnist.BASE_EVENT_TIME.plusMillis(sequence))
        .setTaskId(taskId)
        .setLabel(label)
        .setInput(new RawImage(FashionMnist.ROWS, FashionMnist.COLUMNS, 1, ByteBuffer.wrap(pixels)))
        .build();
  }

  /** Durstenfeld's in-place Fisher–Yates: uniform, and fixed by the Random's sequence. */
  static void fisherYates(int[] values, Random random) {
    for (int i = values.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int swap = values[i];
      values[i] = values[j];
      values[j] = swap;
    }
  }
}
