package com.modelpress.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The word splitting of a HuggingFace {@code BertPreTokenizer}: split on whitespace (dropped) and on
 * punctuation (each punctuation character kept as a word of its own). Stateless and thread-safe.
 */
final class BertPreTokenizer {

    private BertPreTokenizer() {
    }

    /**
     * @param normalized text already normalised, never null
     * @return the words in order, never null, no empty word
     */
    static List<String> split(String normalized) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        normalized.codePoints().forEach(cp -> {
            if (BertNormalizer.isWhitespace(cp)) {
                flush(word, words);
            } else if (isPunctuation(cp)) {
                flush(word, words);
                words.add(Character.toString(cp));
            } else {
                word.appendCodePoint(cp);
            }
        });
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    /**
     * Any ASCII punctuation (which includes symbols such as {@code $ + < = > ^ ` | ~}) or a code point in a
     * Unicode punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
     */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }
}
