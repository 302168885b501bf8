package dev.streamcl.cli;

import dev.streamcl.evaluation.RecordedRun;
import dev.streamcl.events.EventCodec;
import dev.streamcl.events.ModelUpdate;
import dev.streamcl.events.ModelUpdateChunks;
import dev.streamcl.events.UpdateKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 of every model-update record of a run, one line per record ("model version chunk digest"),
 * to pin a run's bytes across refactors. KVB snapshots are digested whole (chunks assembled, portable
 * model cleared): they gained a portable model, whose bytes add chunks, while the model itself must
 * not change.
 */
final class ModelUpdateDigests {
  private static final EventCodec<ModelUpdate> CODEC = EventCodec.modelUpdates();

  private ModelUpdateDigests() {}

  static List<String> of(RecordedRun run) {
    List<String> lines = new ArrayList<>();
    for (String model : run.models()) {
      List<ModelUpdate> chunks = new ArrayList<>();
      for (byte[] record : run.updates(model)) {
        ModelUpdate update = CODEC.decode(record);
        if (!isKvbSnapshot(update)) {
          lines.add(model + " v" + update.getModelVersion() + " chunk " + update.getChunkIndex() + " "
              + sha256(record));
          continue;
        }
        chunks.add(update);
        if (chunks.size() == update.getChunkCount()) {
          ModelUpdate whole = ModelUpdateChunks.assemble(chunks);
          whole.setPortableModel(null);
          lines.add(model + " v" + update.getModelVersion() + " assembled " + sha256(CODEC.encode(whole)));
          chunks.clear();
        }
      }
    }
    return lines;
  }

  /** The expectation recorded before the learner-contract refactor. */
  static List<String> expected(String resource) throws IOException {
    try (InputStream in = ModelUpdateDigests.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("Missing test resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  /** Writes the digests where -Dstreamcl.recordDigests points (used once, to record the expectation). */
  static void recordIfAsked(List<String> lines) throws IOException {
    String target = System.getProperty("streamcl.recordDigests");
    if (target != null) {
      Files.write(Path.of(target), lines, StandardCharsets.UTF_8);
    }
  }

  private static boolean isKvbSnapshot(ModelUpdate update) {
    return update.getLearner().equals("kvb") && update.getKind() == UpdateKind.SNAPSHOT;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
