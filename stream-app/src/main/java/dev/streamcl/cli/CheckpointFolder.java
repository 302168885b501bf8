package dev.streamcl.cli;

import dev.streamcl.ops.Folders;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where one job (a topic prefix and a job name) keeps its Flink checkpoints across starts, so that a
 * restarted job resumes from its newest completed checkpoint instead of learning and publishing again
 * from the start. Beside the checkpoints, {@code job.properties} holds what the job was started with
 * (settings and input topic ids); another job's checkpoints are refused, not silently restored.
 */
final class CheckpointFolder {
  static final String ROOT_ENV = "STREAMCL_CHECKPOINTS";
  private static final String IDENTITY = "job.properties";
  private static final String FINISHED = "finished.properties";
  private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

  private final Path dir;

  CheckpointFolder(Path root, String topicPrefix, String job) {
    this.dir = root.resolve(topicPrefix).resolve(job);
  }

  /** {@code $STREAMCL_CHECKPOINTS}, else {@code ~/.streamcl/checkpoints}. */
  static Path defaultRoot() {
    String root = System.getenv(ROOT_ENV);
    return root != null && !root.isBlank() ? Path.of(root)
        : Path.of(System.getProperty("user.home"), ".streamcl", "checkpoints");
  }

  Path dir() {
    return dir;
  }

  /** A completed checkpoint: its folder (what Flink restores from) and its number. */
  record Checkpoint(Path path, long id, Instant written) {}

  /** The newest checkpoint whose metadata was written, in any of the job's runs. */
  Optional<Checkpoint> newest() {
    List<Checkpoint> completed = new ArrayList<>();
    for (Path run : children(dir)) {
      for (Path candidate : children(run)) {
        Matcher m = CHECKPOINT.matcher(candidate.getFileName().toString());
        Path metadata = candidate.resolve("_metadata");
        if (m.matches() && Files.isRegularFile(metadata)) {
          completed.add(new Checkpoint(candidate, Long.parseLong(m.group(1)), modified(metadata)));
        }
      }
    }
    return completed.stream().max(Comparator.comparingLong(Checkpoint::id).thenComparing(Checkpoint::written));
  }

  /**
   * Deletes earlier runs' folders: a run's first completed checkpoint makes its predecessor's
   * obsolete. Flink restores without claiming, so it never deletes the folder it resumed from itself.
   */
  void keepOnly(Checkpoint newest) {
    Path run = newest.path().getParent();
    for (Path other : children(dir)) {
      if (Files.isDirectory(other) && !other.equals(run)) {
        Folders.deleteRecursively(other);
      }
    }
  }

  /**
   * Refuses to resume a job started with other settings or on other input topics (deleted and
   * created again: their offsets mean other records). Records the identity on the first start.
   */
  void requireSameJob(Map<String, String> identity, String resumeAdvice) {
    Path file = dir.resolve(IDENTITY);
    if (!Files.exists(file)) {
      write(file, identity, "What this job was started with; a start with anything else is refused");
      return;
    }
    Map<String, String> recorded = read(file);
    List<String> differences = new ArrayList<>();
    new TreeMap<>(identity).forEach((key, value) -> {
      if (!value.equals(recorded.get(key))) {
        differences.add(key + " was " + recorded.getOrDefault(key, "(none)") + ", now " + value);
      }
    });
    if (!differences.isEmpty()) {
      throw new UserError("The checkpoints in " + dir + " belong to a job started differently ("
          + String.join("; ", differences) + "): " + resumeAdvice);
    }
  }

  /** A finished bounded run leaves no checkpoints, only a note that it finished (and what it learned). */
  void markFinished(Map<String, String> summary) {
    for (Path run : children(dir)) {
      if (Files.isDirectory(run)) {
        Folders.deleteRecursively(run);
      }
    }
    write(dir.resolve(FINISHED), summary, "This job's bounded run finished; a start again is refused");
  }

  Optional<Map<String, String>> finished() {
    Path file = dir.resolve(FINISHED);
    return Files.exists(file) ? Optional.of(read(file)) : Optional.empty();
  }

  /** Forgets everything of this job ({@code --fresh}). */
  void discard() {
    if (Files.exists(dir)) {
      Folders.deleteRecursively(dir);
    }
  }

  private static List<Path> children(Path folder) {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> list = Files.list(folder)) {
      return list.toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + folder, e);
    }
  }

  private static Instant modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toInstant();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read the time of " + file, e);
    }
  }

  private static void write(Path file, Map<String, String> values, String comment) {
    Properties p = new Properties();
    p.putAll(values);
    try {
      Files.createDirectories(file.getParent());
      try (Writer out = Files.newBufferedWriter(file)) {
        p.store(out, comment);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + file, e);
    }
  }

  private static Map<String, String> read(Path file) {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
    Map<String, String> values = new TreeMap<>();
    p.stringPropertyNames().forEach(key -> values.put(key, p.getProperty(key)));
    return values;
  }

}
