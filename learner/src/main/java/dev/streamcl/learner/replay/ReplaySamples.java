package dev.streamcl.learner.replay;

/** Labelled feature rows: {@code features} row-major [count, dim], one label per row. */
public record ReplaySamples(float[] features, int[] labels, int dim) {
  public static ReplaySamples empty(int dim) {
    return new ReplaySamples(new float[0], new int[0], dim);
  }

  public int count() {
    return labels.length;
  }

  /** These rows followed by {@code n} rows of {@code x} and their labels. */
  static ReplaySamples concat(float[] x, int n, int[] labels, ReplaySamples more) {
    int dim = more.dim();
    float[] features = new float[(n + more.count()) * dim];
    System.arraycopy(x, 0, features, 0, n * dim);
    System.arraycopy(more.features(), 0, features, n * dim, more.count() * dim);
    int[] all = new int[n + more.count()];
    System.arraycopy(labels, 0, all, 0, n);
    System.arraycopy(more.labels(), 0, all, n, more.count());
    return new ReplaySamples(features, all, dim);
  }
}
