package dev.streamcl.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SplitFashionMnistTest {
  static final FashionMnist DATA = FashionMnistTest.DATA;

  @Test
  void trainingStreamVisitsTasksInOrderWithTheirTwoClasses() {
    SplitFashionMnist scenario = new SplitFashionMnist(DATA, 7, 0);
    assertEquals(60_000, scenario.trainingSize());
    for (int task = 0; task < SplitFashionMnist.TASKS; task++) {
      Set<Integer> labels = new TreeSet<>();
      for (long seq = task * 12_000L; seq < (task + 1) * 12_000L; seq++) {
        Sample sample = scenario.trainingSample("s", seq);
        assertEquals(task, sample.getTaskId());
        labels.add(sample.getLabel());
      }
      assertEquals(Set.of(2 * task, 2 * task + 1), labels, "classes of task " + task);
    }
  }

  @Test
  void seedShufflesWithinTasksOnly() {
    List<Integer> seed1 = labelsAndTasks(new SplitFashionMnist(DATA, 1, 50));
    List<Integer> seed2 = labelsAndTasks(new SplitFashionMnist(DATA, 2, 50));
    List<Integer> seed1Again = labelsAndTasks(new SplitFashionMnist(DATA, 1, 50));
    assertEquals(seed1, seed1Again);
    assertNotEquals(pixelsOf(new SplitFashionMnist(DATA, 1, 50)), pixelsOf(new SplitFashionMnist(DATA, 2, 50)));
    assertEquals(tasksOnly(seed1), tasksOnly(seed2));
  }

  @Test
  void sameSeedGivesIdenticalBytes() {
    EventCodec<Sample> codec = EventCodec.samples();
    SplitFashionMnist a = new SplitFashionMnist(DATA, 99, 20);
    SplitFashionMnist b = new SplitFashionMnist(DATA, 99, 20);
    for (long seq = 0; seq < a.trainingSize(); seq++) {
      assertArrayEquals(codec.encode(a.trainingSample("s", seq)), codec.encode(b.trainingSample("s", seq)));
    }
    Sample first = a.trainingSample("s", 3);
    assertEquals(SplitFashionMnist.BASE_EVENT_TIME.plusMillis(3), first.getEventTime());
    RawImage image = (RawImage) first.getInput();
    assertEquals(List.of(28, 28, 1, 784), List.of(image.getHeight(), image.getWidth(), image.getChannels(),
        image.getPixels().remaining()));
  }

  @Test
  void testSetIsFileOrderWithTaskOfLabel() {
    SplitFashionMnist all = new SplitFashionMnist(DATA, 5, 0);
    assertEquals(10_000, all.testSize());
    for (int seq = 0; seq < 10_000; seq += 997) {
      Sample sample = all.testSample("t", seq);
      assertEquals(DATA.test().labels()[seq], sample.getLabel());
      assertEquals(sample.getLabel() / 2, sample.getTaskId());
    }
    SplitFashionMnist capped = new SplitFashionMnist(DATA, 5, 10);
    assertEquals(50, capped.testSize());
    assertEquals(250, new SplitFashionMnist(DATA, 5, 50).trainingSize());
  }

  private static List<Integer> labelsAndTasks(Scenario scenario) {
    List<Integer> values = new ArrayList<>();
    for (long seq = 0; seq < scenario.trainingSize(); seq++) {
      Sample sample = scenario.trainingSample("s", seq);
      values.add(sample.getTaskId() * 100 + sample.getLabel());
    }
    return values;
  }

  private static List<Integer> tasksOnly(List<Integer> labelsAndTasks) {
    return labelsAndTasks.stream().map(v -> v / 100).toList();
  }

  private static List<Integer> pixelsOf(Scenario scenario) {
    List<Integer> hashes = new ArrayList<>();
    for (long seq = 0; seq < scenario.trainingSize(); seq++) {
      hashes.add(((RawImage) scenario.trainingSample("s", seq).getInput()).getPixels().hashCode());
    }
    return hashes;
  }
}
