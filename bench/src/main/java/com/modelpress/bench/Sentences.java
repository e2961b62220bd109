package com.modelpress.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The bench's English sentences, one per line in {@code sentences.txt} on the classpath. */
final class Sentences {

    private static final String RESOURCE = "/sentences.txt";

    private Sentences() {
    }

    /**
     * @param count how many sentences, from the top of the file; at least 2
     * @return the first {@code count} non-blank lines, trimmed, never null
     * @throws IllegalArgumentException when the file holds fewer than {@code count} sentences
     */
    static List<String> first(int count) {
        if (count < 2) {
            throw new IllegalArgumentException("need at least 2 sentences to find neighbours, asked for " + count);
        }
        List<String> all = all();
        if (count > all.size()) {
            throw new IllegalArgumentException(
                    "asked for " + count + " sentences, " + RESOURCE + " holds " + all.size());
        }
        return all.subList(0, count);
    }

    /** @return every sentence in the file, in order, never null */
    static List<String> all() {
        try (InputStream in = Sentences.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath");
            }
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                return reader.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }
}
