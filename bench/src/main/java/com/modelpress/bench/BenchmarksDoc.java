package com.modelpress.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes one bench's results into {@code docs/BENCHMARKS.md} between {@code <!-- name:start -->} and
 * {@code <!-- name:end -->}, leaving the rest of the file as it is.
 */
final class BenchmarksDoc {

    static final String INTRO = """
            # Benchmarks

            Measured numbers, not claims: each section below is rewritten by a bench in `bench/` and says on \
            which machine, when and with which command it was produced. Re-run the command to check it.

            - **fidelity** compresses real sentence encoders from Maven Central (all-MiniLM-L6-v2, \
            bge-small-en-v1.5, e5-small-v2) with each method, embeds the bench's own English sentences \
            (`bench/src/main/resources/sentences.txt`) with the original and the compressed model, and compares \
            the mean-pooled embeddings. ONNX Runtime's own dynamic int8 export of each model (the `-q` jar) is \
            scored the same way as a reference.
            - **throughput** times compression of all-MiniLM-L6-v2 next to merely copying the file and parsing \
            and re-serialising its protobuf.
            - **llm-scale** compresses a synthetic multi-GB decoder to int4 with GPTQ in a child JVM with a fixed \
            heap: time, peak resident set, MB/s per engine step.
            - **rtn-speed** times 4-bit round-to-nearest as a whole process against ONNX Runtime's quantizer.
            - **llm** scores the engine's methods and ONNX Runtime's quantizer on the decoder tinylm by \
            perplexity and next-token KL, every file through the engine's evaluator.
            """;

    private BenchmarksDoc() {
    }

    /**
     * Creates {@code file} with {@link #INTRO} when it does not exist, then replaces the section's content, or
     * appends the section under {@code heading} when its markers are not there yet.
     *
     * @param section marker name, e.g. {@code fidelity}
     * @param heading markdown heading text for a new section, e.g. {@code Fidelity}
     * @param body    markdown placed between the markers
     */
    static void writeSection(Path file, String section, String heading, String body) throws IOException {
        String document = Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.UTF_8) : INTRO;
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, withSection(document, section, heading, body), StandardCharsets.UTF_8);
    }

    /**
     * @return {@code document} with the section's content replaced, or the section appended
     * @throws IllegalArgumentException when only one marker is there, a marker is repeated, or the end marker
     *                                  comes first
     */
    static String withSection(String document, String section, String heading, String body) {
        String start = "<!-- " + section + ":start -->";
        String end = "<!-- " + section + ":end -->";
        String content = start + "\n" + body.strip() + "\n" + end;
        int startAt = document.indexOf(start);
        int endAt = document.indexOf(end);
        if (startAt < 0 && endAt < 0) {
            String separator = document.endsWith("\n") ? "\n" : "\n\n";
            return document + separator + "## " + heading + "\n\n" + content + "\n";
        }
        if (startAt < 0 || endAt < startAt
                || document.indexOf(start, startAt + 1) >= 0 || document.indexOf(end, endAt + 1) >= 0) {
            throw new IllegalArgumentException("markers " + start + " and " + end
                    + " must each appear once, start before end");
        }
        return document.substring(0, startAt) + content + document.substring(endAt + end.length());
    }
}
