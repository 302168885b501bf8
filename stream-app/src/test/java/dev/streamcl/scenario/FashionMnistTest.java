package dev.streamcl.scenario;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
  static final FashionMnist DATA = FashionMnist.atDefaultLocation();

  @Test
  void trainSplitHasSixtyThousandImagesOf784PixelsAndBalancedLabels() {
    FashionMnist.Split train = DATA.train();
    assertEquals(60_000, train.size());
    assertEquals(60_000, train.images().length);
    assertEquals(FashionMnist.PIXELS, train.images()[59_999].length);
    assertArrayEquals(repeated(6_000), classCounts(train.labels()));
  }

  @Test
  void testSplitHasTenThousandImagesAndBalancedLabels() {
    FashionMnist.Split test = DATA.test();
    assertEquals(10_000, test.size());
    assertEquals(FashionMnist.PIXELS, test.images()[0].length);
    assertArrayEquals(repeated(1_000), classCounts(test.labels()));
    // The published file starts with an ankle boot (9), then a pullover (2).
    assertEquals(9, test.labels()[0]);
    assertEquals(2, test.labels()[1]);
  }

  @Test
  void missingDirectorySaysHowToInstall(@TempDir Path empty) {
    DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class, () -> new FashionMnist(empty).train());
    assertEquals("Fashion-MNIST not found in " + empty
        + ": install it with 'sudo apt-get install dataset-fashion-mnist' (Debian) or pass --data-dir", e.getMessage());
  }

  @Test
  void wrongMagicNumberIsRejected(@TempDir Path dir) throws IOException {
    writeIdx(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x00000801, 0); // a labels header where images belong
    writeIdx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x00000801, 0);
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> new FashionMnist(dir).test());
    assertTrue(e.getMessage().contains("magic 0x00000801, expected 0x00000803"), e.getMessage());
  }

  private static void writeIdx(Path file, int magic, int count) throws IOException {
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
      out.writeInt(magic);
      out.writeInt(count);
    }
  }

  private static int[] classCounts(int[] labels) {
    int[] counts = new int[FashionMnist.CLASSES];
    for (int label : labels) {
      counts[label]++; // throws for a label outside 0..9
    }
    return counts;
  }

  private static int[] repeated(int count) {
    int[] values = new int[FashionMnist.CLASSES];
    java.util.Arrays.fill(values, count);
    return values;
  }
}
