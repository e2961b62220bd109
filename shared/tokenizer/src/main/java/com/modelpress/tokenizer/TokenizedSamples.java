package com.modelpress.tokenizer;

import com.modelpress.engine.evaluation.Npy;
import com.modelpress.engine.evaluation.NpyArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes text as an engine sample folder ({@code --inputs} / {@code --calibration} layout): one sub-folder per
 * line, encoded with {@link TextTokenizer#encodeLine} (special tokens, truncation), unpadded, batch of one, with
 * {@code input_ids}, {@code attention_mask} and {@code token_type_ids}.
 */
public final class TokenizedSamples {

    private TokenizedSamples() {
    }

    /** @return {@code folder}, holding {@code NNNN/input_ids.npy}, {@code attention_mask.npy}, {@code token_type_ids.npy} */
    public static Path write(TextTokenizer tokenizer, List<String> sentences, Path folder) throws IOException {
        for (int i = 0; i < sentences.size(); i++) {
            long[] ids = tokenizer.encodeLine(sentences.get(i));
            long[] mask = new long[ids.length];
            java.util.Arrays.fill(mask, 1);
            Path sample = Files.createDirectories(folder.resolve("%04d".formatted(i)));
            Npy.write(sample.resolve("input_ids.npy"), NpyArray.ofLongs(ids, 1, ids.length));
            Npy.write(sample.resolve("attention_mask.npy"), NpyArray.ofLongs(mask, 1, ids.length));
            Npy.write(sample.resolve("token_type_ids.npy"), NpyArray.ofLongs(new long[ids.length], 1, ids.length));
        }
        return folder;
    }
}
