package dev.streamcl.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.streamcl.events.EventCodec;
import dev.streamcl.events.RawImage;
import dev.streamcl.events.Sample;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PermutedFashionMnistTest {
  static final FashionMnist DATA = FashionMnistTest.DATA;

  @Test
  void sizesFollowTasksAndCap() {
    PermutedFashionMnist all = new PermutedFashionMnist(DATA, 1, 0);
    assertEquals(PermutedFashionMnist.NAME, all.name());
    assertEquals(5, all.tasks());
    assertEquals(5 * 60_000L, all.trainingSize());
    assertEquals(5 * 10_000L, all.testSize());
    PermutedFashionMnist capped = new PermutedFashionMnist(DATA, 1, 30, 3);
    assertEquals(90, capped.trainingSize());
    assertEquals(90, capped.testSize());
    assertThrows(IllegalArgumentException.class, () -> new PermutedFashionMnist(DATA, 1, 0, 0));
    assertThrows(IllegalArgumentException.class, () -> new PermutedFashionMnist(DATA, 1, -1));
  }

  @Test
  void taskZeroIsTheIdentityAndLaterTasksPermuteThePixels() {
    PermutedFashionMnist scenario = new PermutedFashionMnist(DATA, 42, 0, 3);
    assertArrayEquals(IntStream.range(0, FashionMnist.PIXELS).toArray(), scenario.permutation(0));
    int[] p1 = scenario.permutation(1);
    int[] p2 = scenario.permutation(2);
    assertArrayEquals(IntStream.range(0, FashionMnist.PIXELS).toArray(), IntStream.of(p1).sorted().toArray(),
        "a permutation of 0..783");
    assertNotEquals(Arrays.toString(p1), Arrays.toString(p2));
    assertTrue(IntStream.range(0, FashionMnist.PIXELS).filter(i -> p1[i] != i).count() > 700, "not near-identity");
    assertArrayEquals(p1, PermutedFashionMnist.permutationOf(42, 1), "a function of seed and task");
    java.util.Set<String> drawn = new java.util.HashSet<>();
    for (long seed = 38; seed <= 46; seed++) {
      for (int task = 1; task <= 5; task++) {
        assertTrue(drawn.add(Arrays.toString(PermutedFashionMnist.permutationOf(seed, task))),
            "seed " + seed + " task " + task + " repeats a permutation of a nearby seed");
      }
    }

    // Test set: task t's block is the test images in file order, permuted.
    for (int task = 0; task < 3; task++) {
      int[] permutation = scenario.permutation(task);
      for (int i = 0; i < 10_000; i += 1_999) {
        Sample sample = scenario.testSample("t", task * 10_000L + i);
        assertEquals(task, sample.getTaskId());
        assertEquals(DATA.test().labels()[i], sample.getLabel());
        byte[] original = DATA.test().images()[i];
        byte[] pixels = pixels(sample);
        for (int p = 0; p < FashionMnist.PIXELS; p++) {
          assertEquals(original[permutation[p]], pixels[p]);
        }
        if (task == 0) {
          assertArrayEquals(original, pixels);
        } else {
          assertArrayEquals(sorted(original), sorted(pixels), "same pixel values, moved");
          assertTrue(!Arrays.equals(original, pixels), "image " + i + " moved under task " + task);
        }
      }
    }
  }

  @Test
  void trainingSamplesArePermutedTrainingImages() {
    PermutedFashionMnist scenario = new PermutedFashionMnist(DATA, 3, 200, 2);
    Map<ByteBuffer, Integer> originals = imageCounts(DATA.train());
    for (long seq = 0; seq < scenario.trainingSize(); seq++) {
      Sample sample = scenario.trainingSample("s", seq);
      int task = (int) (seq / 200);
      assertEquals(task, sample.getTaskId());
      byte[] original = unpermuted(pixels(sample), scenario.permutation(task));
      assertTrue(originals.containsKey(ByteBuffer.wrap(original)), "sample " + seq + " is a permuted training image");
      assertEquals(SplitFashionMnist.BASE_EVENT_TIME.plusMillis(seq), sample.getEventTime());
    }
  }

  @Test
  void everyTrainingImageOnceInEveryTask() {
    PermutedFashionMnist scenario = new PermutedFashionMnist(DATA, 11, 0, 2);
    Map<ByteBuffer, Integer> fileImages = imageCounts(DATA.train());
    for (int task = 0; task < 2; task++) {
      int[] permutation = scenario.permutation(task);
      Map<ByteBuffer, Integer> pass = new HashMap<>();
      int[] perClass = new int[FashionMnist.CLASSES];
      for (long seq = task * 60_000L; seq < (task + 1) * 60_000L; seq++) {
        Sample sample = scenario.trainingSample("s", seq);
        assertEquals(task, sample.getTaskId());
        perClass[sample.getLabel()]++;
        pass.merge(ByteBuffer.wrap(unpermuted(pixels(sample), permutation)), 1, Integer::sum);
      }
      int[] expected = new int[FashionMnist.CLASSES];
      Arrays.fill(expected, 6_000);
      assertArrayEquals(expected, perClass, "all ten classes in task " + task);
      assertEquals(fileImages, pass, "task " + task + " shows every training image exactly once");
    }
  }

  /** How often each image occurs (Fashion-MNIST holds a few duplicates); ByteBuffers compare by content. */
  static Map<ByteBuffer, Integer> imageCounts(FashionMnist.Split split) {
    Map<ByteBuffer, Integer> counts = new HashMap<>();
    for (byte[] image : split.images()) {
      counts.merge(ByteBuffer.wrap(image), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void eachTaskIsItsOwnShuffleAndTheSeedFixesEverything() {
    EventCodec<Sample> codec = EventCodec.samples();
    PermutedFashionMnist a = new PermutedFashionMnist(DATA, 99, 40);
    PermutedFashionMnist b = new PermutedFashionMnist(DATA, 99, 40);
    for (long seq = 0; seq < a.trainingSize(); seq++) {
      assertArrayEquals(codec.encode(a.trainingSample("s", seq)), codec.encode(b.trainingSample("s", seq)));
    }
    for (long seq = 0; seq < a.testSize(); seq++) {
      assertArrayEquals(codec.encode(a.testSample("t", seq)), codec.encode(b.testSample("t", seq)));
    }
    PermutedFashionMnist other = new PermutedFashionMnist(DATA, 100, 40);
    assertNotEquals(labels(a), labels(other), "another seed, another order");
    List<Integer> labelsA = labels(a);
    assertNotEquals(labelsA.subList(0, 40), labelsA.subList(40, 80), "tasks are shuffled independently");
    Sample first = a.trainingSample("s", 0);
    RawImage image = (RawImage) first.getInput();
    assertEquals(List.of(28, 28, 1, 784), List.of(image.getHeight(), image.getWidth(), image.getChannels(),
        image.getPixels().remaining()));
  }

  @Test
  void samplesDoNotShareTheDatasetsPixels() {
    PermutedFashionMnist scenario = new PermutedFashionMnist(DATA, 5, 5, 1);
    Sample sample = scenario.testSample("t", 0);
    ByteBuffer pixels = ((RawImage) sample.getInput()).getPixels();
    byte before = DATA.test().images()[0][0];
    pixels.put(0, (byte) (before + 1));
    assertEquals(before, DATA.test().images()[0][0]);
  }

  private static List<Integer> labels(Scenario scenario) {
    List<Integer> labels = new ArrayList<>();
    for (long seq = 0; seq < scenario.trainingSize(); seq++) {
      labels.add(scenario.trainingSample("s", seq).getLabel());
    }
    return labels;
  }

  static byte[] pixels(Sample sample) {
    ByteBuffer buffer = ((RawImage) sample.getInput()).getPixels().duplicate();
    byte[] pixels = new byte[buffer.remaining()];
    buffer.get(pixels);
    return pixels;
  }

  /** Undoes {@code permuted[i] = original[permutation[i]]}. */
  private static byte[] unpermuted(byte[] permuted, int[] permutation) {
    byte[] original = new byte[permuted.length];
    for (int i = 0; i < permuted.length; i++) {
      original[permutation[i]] = permuted[i];
    }
    return original;
  }

  private static byte[] sorted(byte[] values) {
    byte[] copy = values.clone();
    Arrays.sort(copy);
    return copy;
  }
}
