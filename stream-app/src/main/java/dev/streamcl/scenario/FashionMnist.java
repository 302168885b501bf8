package dev.streamcl.scenario;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (Xiao et al. 2017) from its gzipped IDX files: 60,000 training and 10,000 test
 * 28x28 grey-scale images of 10 clothing classes. Each split is read once, on first use.
 */
public final class FashionMnist {
  public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
  public static final int ROWS = 28;
  public static final int COLUMNS = 28;
  public static final int PIXELS = ROWS * COLUMNS;
  public static final int CLASSES = 10;

  private static final int IMAGES_MAGIC = 0x00000803; // unsigned bytes, 3 dimensions
  private static final int LABELS_MAGIC = 0x00000801; // unsigned bytes, 1 dimension

  private final Path dir;
  private Split train;
  private Split test;

  /** Images as uint8 pixels, row-major ({@code images[i].length == 784}); labels 0..9. */
  public record Split(byte[][] images, int[] labels) {
    public int size() {
      return labels.length;
    }
  }

  public FashionMnist(Path dir) {
    this.dir = dir;
  }

  /** The files of the Debian package {@code dataset-fashion-mnist}. */
  public static FashionMnist atDefaultLocation() {
    return new FashionMnist(DEFAULT_DIR);
  }

  public Path dir() {
    return dir;
  }

  public synchronized Split train() {
    if (train == null) {
      train = read("train");
    }
    return train;
  }

  public synchronized Split test() {
    if (test == null) {
      test = read("t10k");
    }
    return test;
  }

  private Split read(String split) {
    Path images = dir.resolve(split + "-images-idx3-ubyte.gz");
    Path labels = dir.resolve(split + "-labels-idx1-ubyte.gz");
    if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
      throw new DatasetNotFoundException("Fashion-MNIST not found in " + dir
          + ": install it with 'sudo apt-get install dataset-fashion-mnist' (Debian) or pass --data-dir");
    }
    try {
      Split result = new Split(readImages(images), readLabels(labels));
      if (result.images().length != result.labels().length) {
        throw new IOException(images + " holds " + result.images().length + " images but " + labels
            + " holds " + result.labels().length + " labels");
      }
      return result;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot read Fashion-MNIST " + split + " split from " + dir + ": " + e.getMessage(), e);
    }
  }

  private static byte[][] readImages(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int count = readHeader(in, file, IMAGES_MAGIC);
      int rows = in.readInt();
      int columns = in.readInt();
      if (rows != ROWS || columns != COLUMNS) {
        throw new IOException(file + " holds " + rows + "x" + columns + " images, expected 28x28");
      }
      byte[][] images = new byte[count][PIXELS];
      for (byte[] image : images) {
        in.readFully(image);
      }
      return images;
    }
  }

  private static int[] readLabels(Path file) throws IOException {
    try (DataInputStream in = open(file)) {
      int count = readHeader(in, file, LABELS_MAGIC);
      byte[] raw = new byte[count];
      in.readFully(raw);
      int[] labels = new int[count];
      for (int i = 0; i < count; i++) {
        labels[i] = raw[i] & 0xFF;
        if (labels[i] >= CLASSES) {
          throw new IOException(file + " holds label " + labels[i] + " at index " + i + ", expected 0..9");
        }
      }
      return labels;
    }
  }

  /** Checks the magic number (IDX stores it and the counts big-endian) and returns the item count. */
  private static int readHeader(DataInputStream in, Path file, int expectedMagic) throws IOException {
    int magic = in.readInt();
    if (magic != expectedMagic) {
      throw new IOException(String.format("%s is not an IDX file of the expected kind: magic 0x%08x, expected 0x%08x",
          file, magic, expectedMagic));
    }
    int count = in.readInt();
    if (count < 0) {
      throw new IOException(file + " declares a negative item count " + count);
    }
    return count;
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
  }
}
