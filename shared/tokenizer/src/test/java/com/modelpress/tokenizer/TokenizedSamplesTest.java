package com.modelpress.tokenizer;

import com.modelpress.engine.evaluation.Npy;
import com.modelpress.engine.evaluation.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TokenizedSamplesTest {

    @TempDir
    Path dir;

    @Test
    void writesOneUnpaddedSampleFolderPerLine() throws IOException {
        TextTokenizer tokenizer;
        try (InputStream json = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            tokenizer = TextTokenizer.read(json, TextTokenizer.DEFAULT_MAX_LINE_LENGTH);
        }
        List<String> lines = List.of("Hello, world!", "Quantization needs measuring.");
        Path folder = TokenizedSamples.write(tokenizer, lines, dir.resolve("samples"));
        tokenizer.close();

        for (int i = 0; i < lines.size(); i++) {
            Path sample = folder.resolve("%04d".formatted(i));
            NpyArray ids = Npy.read(sample.resolve("input_ids.npy"));
            long[] expected = i == 0 ? new long[] {101, 7592, 1010, 2088, 999, 102} : null;
            if (expected != null) {
                assertThat(ids.shape()).containsExactly(1, expected.length);
                assertThat(ids.toLongs()).containsExactly(expected);
            }
            assertThat(ids.toLongs()).startsWith(101).endsWith(102);
            assertThat(Npy.read(sample.resolve("attention_mask.npy")).toLongs()).containsOnly(1L);
            assertThat(Npy.read(sample.resolve("token_type_ids.npy")).toLongs()).containsOnly(0L);
        }
    }
}
