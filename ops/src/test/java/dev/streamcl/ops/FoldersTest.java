package dev.streamcl.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A finished job's folder is deleted while Flink's checkpoint cleaner still deletes a subsumed checkpoint in it
 * (seen in CI: NoSuchFileException for chk-1 ended a bounded `learn`): two deletions of the same tree at once both
 * succeed, however their steps interleave.
 */
class FoldersTest {
  @TempDir Path root;

  @Test
  void twoDeletionsOfOneTreeAtOnceBothSucceed() throws Exception {
    for (int round = 0; round < 200; round++) {
      Path job = root.resolve("job-" + round);
      for (int checkpoint = 0; checkpoint < 4; checkpoint++) {
        Path dir = Files.createDirectories(job.resolve("run").resolve("chk-" + checkpoint));
        for (int file = 0; file < 5; file++) {
          Files.writeString(dir.resolve("state-" + file), "x");
        }
      }
      CompletableFuture<Void> cleaner = CompletableFuture.runAsync(() -> Folders.deleteRecursively(
          job.resolve("run").resolve("chk-" + 1)));
      Folders.deleteRecursively(job);
      cleaner.get();
      assertFalse(Files.exists(job), "round " + round);
    }
  }

  @Test
  void aMissingFolderIsAlreadyDeleted() throws IOException {
    Folders.deleteRecursively(root.resolve("never-made"));
    assertFalse(Files.exists(root.resolve("never-made")));
  }
}
