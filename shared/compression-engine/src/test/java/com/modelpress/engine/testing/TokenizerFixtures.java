package com.modelpress.engine.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Hugging Face {@code tokenizer.json} files written in code, for tests that feed text to the decoders of
 * {@link CachedDecoderFixtures} (vocabulary 256).
 */
public final class TokenizerFixtures {

    private TokenizerFixtures() {
    }

    /**
     * A byte-level BPE tokenizer without merges: GPT-2's byte-to-character mapping, each byte its own token, id = byte
     * value; so every UTF-8 text tokenizes within a vocabulary of 256.
     */
    public static String byteLevelBpe() {
        List<Integer> printable = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            printable.add(b);
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable.add(b);
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable.add(b);
        }
        StringBuilder vocab = new StringBuilder("{");
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            int character = printable.contains(b) ? b : 256 + extra++;
            String token = new String(Character.toChars(character));
            if (token.equals("\"") || token.equals("\\")) {
                token = "\\" + token;
            }
            vocab.append(b == 0 ? "" : ",").append('"').append(token).append("\":").append(b);
        }
        vocab.append('}');
        String byteLevel = "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":true}";
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":[],\"normalizer\":null,"
                + "\"pre_tokenizer\":" + byteLevel + ",\"post_processor\":" + byteLevel + ",\"decoder\":" + byteLevel + ","
                + "\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,\"continuing_subword_prefix\":null,"
                + "\"end_of_word_suffix\":null,\"fuse_unk\":false,\"byte_fallback\":false,\"vocab\":" + vocab
                + ",\"merges\":[]}}";
    }

    /** English-like prose of {@code lines} lines from a seeded word list, for calibration and evaluation texts. */
    public static String prose(long seed, int lines) {
        String[] words = {"the", "model", "runs", "on", "small", "text", "and", "every", "token", "counts", "when",
                "a", "window", "moves", "over", "lines", "of", "words", "that", "repeat", "slowly", "with", "care"};
        java.util.Random random = new java.util.Random(seed);
        StringBuilder text = new StringBuilder();
        for (int line = 0; line < lines; line++) {
            int length = 6 + random.nextInt(8);
            for (int w = 0; w < length; w++) {
                text.append(w == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
            }
            text.append(".\n");
        }
        return text.toString();
    }
}
