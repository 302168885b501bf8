package dev.streamcl.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.Sample;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BlurryTaskFreeFashionMnistTest {
  static final FashionMnist DATA = FashionMnistTest.DATA;

  @Test
  void sizesWindowsAndTestSetFollowSplitFashionMnist() {
    BlurryTaskFreeFashionMnist all = new BlurryTaskFreeFashionMnist(DATA, 1, 0);
    assertEquals(BlurryTaskFreeFashionMnist.NAME, all.name());
    assertEquals(60_000, all.trainingSize());
    assertEquals(BlurryTaskFreeFashionMnist.DEFAULT_WINDOW, all.window());
    assertEquals(12_000, all.boundary(1));
    assertEquals(11_000, all.windowStart(1));
    assertEquals(48_000, all.boundary(4));
    BlurryTaskFreeFashionMnist capped = new BlurryTaskFreeFashionMnist(DATA, 1, 50);
    assertEquals(250, capped.trainingSize());
    assertEquals(25, capped.window(), "default window is at most half the smallest task");
    assertEquals(50, capped.samplesPerTask());

    SplitFashionMnist split = new SplitFashionMnist(DATA, 1, 50);
    assertEquals(split.testSize(), capped.testSize());
    for (long seq = 0; seq < capped.testSize(); seq++) {
      assertEquals(split.testSample("t", seq), capped.testSample("t", seq));
    }
    assertThrows(IllegalArgumentException.class, () -> new BlurryTaskFreeFashionMnist(DATA, 1, 50, 51));
    assertThrows(IllegalArgumentException.class, () -> new BlurryTaskFreeFashionMnist(DATA, 1, 50, -2));
    assertEquals(50, new BlurryTaskFreeFashionMnist(DATA, 1, 50, 50).window(), "a window may span a whole task");
  }

  @Test
  void windowZeroIsTheSharpSplitStream() {
    BlurryTaskFreeFashionMnist sharp = new BlurryTaskFreeFashionMnist(DATA, 4, 30, 0);
    SplitFashionMnist split = new SplitFashionMnist(DATA, 4, 30);
    for (long seq = 0; seq < split.trainingSize(); seq++) {
      assertEquals(split.trainingSample("s", seq), sharp.trainingSample("s", seq));
    }
  }

  @Test
  void everyTrainingImageExactlyOnceWithTheTaskOfItsLabel() {
    BlurryTaskFreeFashionMnist scenario = new BlurryTaskFreeFashionMnist(DATA, 8, 0);
    Map<ByteBuffer, Integer> streamed = new HashMap<>();
    int[] perClass = new int[FashionMnist.CLASSES];
    for (long seq = 0; seq < scenario.trainingSize(); seq++) {
      Sample sample = scenario.trainingSample("s", seq);
      assertEquals(seq, sample.getSequence());
      assertEquals(SplitFashionMnist.BASE_EVENT_TIME.plusMillis(seq), sample.getEventTime());
      assertEquals(SplitFashionMnist.taskOf(sample.getLabel()), sample.getTaskId());
      perClass[sample.getLabel()]++;
      streamed.merge(ByteBuffer.wrap(PermutedFashionMnistTest.pixels(sample)), 1, Integer::sum);
    }
    int[] expected = new int[FashionMnist.CLASSES];
    Arrays.fill(expected, 6_000);
    assertArrayEquals(expected, perClass);
    assertEquals(PermutedFashionMnistTest.imageCounts(DATA.train()), streamed);
  }

  @Test
  void boundariesAreGradualAndOnlyThere() {
    int window = 400;
    BlurryTaskFreeFashionMnist scenario = new BlurryTaskFreeFashionMnist(DATA, 21, 1_000, window);
    int[] tasks = tasksOf(scenario);
    int[] newInQuarter = new int[4];
    for (int boundary = 1; boundary < SplitFashionMnist.TASKS; boundary++) {
      int start = (int) scenario.windowStart(boundary);
      assertEquals(boundary * 1_000 - window / 2, start);
      // Before the window only the old task, after it only the new one.
      int previousEnd = boundary == 1 ? 0 : (int) scenario.windowStart(boundary - 1) + window;
      for (int seq = previousEnd; seq < start; seq++) {
        assertEquals(boundary - 1, tasks[seq], "position " + seq);
      }
      int nextStart = boundary == SplitFashionMnist.TASKS - 1 ? tasks.length : (int) scenario.windowStart(boundary + 1);
      for (int seq = start + window; seq < nextStart; seq++) {
        assertEquals(boundary, tasks[seq], "position " + seq);
      }
      // Inside it, both, each a half, and the new one more often the later it is.
      int newCount = 0;
      for (int i = 0; i < window; i++) {
        int task = tasks[start + i];
        assertTrue(task == boundary - 1 || task == boundary, "position " + (start + i) + " holds task " + task);
        if (task == boundary) {
          newCount++;
          newInQuarter[i * 4 / window]++;
        }
      }
      assertEquals(window / 2, newCount);
      assertEquals(boundary - 1, tasks[start], "the window's first sample is almost surely old");
      assertEquals(boundary, tasks[start + window - 1], "and its last almost surely new");
      int firstQuarterNew = count(tasks, start, start + window / 4, boundary);
      int lastQuarterNew = count(tasks, start + 3 * window / 4, start + window, boundary);
      assertTrue(firstQuarterNew > 0 && firstQuarterNew < window / 4 / 2, "first quarter " + firstQuarterNew);
      assertTrue(lastQuarterNew > window / 4 / 2 && lastQuarterNew < window / 4, "last quarter " + lastQuarterNew);
    }
    // Linear ramp: the share of new samples per quarter is about 1/8, 3/8, 5/8, 7/8.
    double perQuarter = (SplitFashionMnist.TASKS - 1) * window / 4.0;
    double[] expected = {0.125, 0.375, 0.625, 0.875};
    for (int q = 0; q < 4; q++) {
      double share = newInQuarter[q] / perQuarter;
      assertTrue(Math.abs(share - expected[q]) < 0.06, "quarter " + q + ": " + share + ", expected ~" + expected[q]);
    }
  }

  @Test
  void sameSeedSameBytesOtherSeedOtherOrder() {
    EventCodec<Sample> codec = EventCodec.samples();
    BlurryTaskFreeFashionMnist a = new BlurryTaskFreeFashionMnist(DATA, 99, 100, 60);
    BlurryTaskFreeFashionMnist b = new BlurryTaskFreeFashionMnist(DATA, 99, 100, 60);
    for (long seq = 0; seq < a.trainingSize(); seq++) {
      assertArrayEquals(codec.encode(a.trainingSample("s", seq)), codec.encode(b.trainingSample("s", seq)));
    }
    BlurryTaskFreeFashionMnist other = new BlurryTaskFreeFashionMnist(DATA, 100, 100, 60);
    assertNotEquals(Arrays.toString(tasksOf(a)), Arrays.toString(tasksOf(other)), "the blend depends on the seed");
    List<Integer> labelsA = new ArrayList<>();
    List<Integer> labelsOther = new ArrayList<>();
    for (long seq = 0; seq < a.trainingSize(); seq++) {
      labelsA.add(a.trainingSample("s", seq).getLabel());
      labelsOther.add(other.trainingSample("s", seq).getLabel());
    }
    assertNotEquals(labelsA, labelsOther);
  }

  private static int[] tasksOf(Scenario scenario) {
    int[] tasks = new int[(int) scenario.trainingSize()];
    for (int seq = 0; seq < tasks.length; seq++) {
      tasks[seq] = scenario.trainingSample("s", seq).getTaskId();
    }
    return tasks;
  }

  private static int count(int[] tasks, int from, int to, int task) {
    int count = 0;
    for (int seq = from; seq < to; seq++) {
      if (tasks[seq] == task) {
        count++;
      }
    }
    return count;
  }
}
