package dev.streamcl.scenario;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The noun synsets of WordNet 3.0 (Miller 1995) from {@code data.noun} of the Debian package {@code wordnet-base},
 * in file order: each synset's lexicographer file (its supersense: 03 noun.Tops, 04 noun.act … 28 noun.time), its
 * first word and its gloss. The file format is WordNet's {@code wndb(5)}.
 */
public final class WordNetNouns {
  public static final Path DEFAULT_DIR = Path.of("/usr/share/wordnet");
  static final String FILE = "data.noun";

  /** One noun synset: lexicographer file number, first word (underscores as written), gloss. */
  public record Synset(int lexFile, String firstWord, String gloss) {}

  private final Path dir;
  private List<Synset> synsets;

  public WordNetNouns(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public synchronized List<Synset> synsets() {
    if (synsets == null) {
      synsets = read();
    }
    return synsets;
  }

  private List<Synset> read() {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new DatasetNotFoundException("WordNet's " + FILE + " not found in " + dir + ": install it with 'sudo "
          + "apt-get install wordnet-base' (Debian) or pass --data-dir (a folder holding WordNet 3.0's " + FILE + ")");
    }
    List<Synset> read = new ArrayList<>(82_115);
    try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (!line.startsWith("  ")) { // the licence header's lines start with two spaces
          read.add(parse(line));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    return List.copyOf(read);
  }

  /** {@code offset lex_filenum ss_type w_cnt(hex) word lex_id ... | gloss}. */
  static Synset parse(String line) {
    String[] fields = line.split(" ", 6);
    int bar = line.indexOf(" | ");
    if (fields.length < 6 || bar < 0) {
      throw new IllegalArgumentException("Not a WordNet data line: " + line);
    }
    return new Synset(Integer.parseInt(fields[1]), fields[4], line.substring(bar + 3).strip());
  }
}
