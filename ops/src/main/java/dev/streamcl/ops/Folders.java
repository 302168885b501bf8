package dev.streamcl.ops;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Folders the local runtime makes and removes: checkpoints, cluster work folders. */
public final class Folders {
  private Folders() {}

  /**
   * Deletes a folder and everything in it. Another process may be deleting in it at the same time (Flink's
   * checkpoint cleaner, when a job has just finished): what vanishes meanwhile is skipped, and a folder something
   * wrote into meanwhile is walked again.
   */
  public static void deleteRecursively(Path path) {
    for (int attempt = 1; ; attempt++) {
      try {
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            if (e instanceof NoSuchFileException) {
              return FileVisitResult.CONTINUE;
            }
            throw e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null && !(e instanceof NoSuchFileException)) {
              throw e;
            }
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
        return;
      } catch (NoSuchFileException e) {
        return;
      } catch (DirectoryNotEmptyException e) {
        if (attempt == 3) {
          throw new UncheckedIOException("Cannot delete " + path + ": something keeps writing into it", e);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot delete " + path, e);
      }
    }
  }
}
