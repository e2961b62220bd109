package com.modelpress.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Scratch folders under {@code target/} that a bench empties before each compression writes into them. */
final class WorkDirectory {

    private WorkDirectory() {
    }

    /**
     * Deletes everything inside {@code directory} (creating it when missing), so that a compressed model and its
     * external data from an earlier run cannot be mistaken for this run's output.
     *
     * @return {@code directory}
     */
    static Path emptied(Path directory) throws IOException {
        if (Files.exists(directory)) {
            List<Path> contents;
            try (Stream<Path> walk = Files.walk(directory)) {
                contents = walk.filter(path -> !path.equals(directory))
                        .sorted(Comparator.reverseOrder())
                        .toList();
            }
            for (Path path : contents) {
                Files.delete(path);
            }
        }
        return Files.createDirectories(directory);
    }
}
