package com.modelpress.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Deleting a folder and everything below it. Links are deleted, never followed. Thread-safe (stateless). */
public final class FileTrees {

    private FileTrees() {
    }

    /**
     * Deletes {@code root} (a folder with all it holds, or a single file); nothing when {@code root} is null or does
     * not exist.
     *
     * @throws IOException when something in the tree cannot be deleted; what could be deleted before is gone
     */
    public static void delete(Path root) throws IOException {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<Path> deepestFirst;
        try (Stream<Path> paths = Files.walk(root)) {
            deepestFirst = paths.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path path : deepestFirst) {
            Files.deleteIfExists(path);
        }
    }

    /**
     * {@link #delete} for leftovers nobody must trip over (a temporary folder at exit, a work folder after an
     * attempt): what cannot be deleted stays, and no exception says so.
     *
     * @return whether {@code root} is gone
     */
    public static boolean deleteQuietly(Path root) {
        try {
            delete(root);
            return true;
        } catch (IOException | RuntimeException e) {
            return root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS);
        }
    }
}
