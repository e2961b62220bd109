package com.modelpress.tokenizer;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The text normalisation of a HuggingFace {@code BertNormalizer}: clean text (drop control characters, map
 * whitespace to a space), put spaces around CJK ideographs, strip accents and lowercase, in that order.
 * Immutable and thread-safe.
 *
 * @param cleanText          drop NUL, U+FFFD and "other" characters; turn every whitespace into a space
 * @param handleChineseChars surround CJK ideographs with spaces so that each becomes a word
 * @param stripAccents       decompose (NFD) and drop non-spacing marks
 * @param lowercase          lowercase every code point
 */
record BertNormalizer(boolean cleanText, boolean handleChineseChars, boolean stripAccents, boolean lowercase) {

    /** The settings of the uncased BERT vocabularies: everything on. */
    static BertNormalizer uncased() {
        return new BertNormalizer(true, true, true, true);
    }

    /**
     * @param text never null
     * @return the normalised text, never null
     */
    String normalize(String text) {
        String result = text;
        if (cleanText) {
            result = clean(result);
        }
        if (handleChineseChars) {
            result = spaceOutCjk(result);
        }
        if (stripAccents) {
            result = removeNonSpacingMarks(Normalizer.normalize(result, Normalizer.Form.NFD));
        }
        if (lowercase) {
            result = lowercaseEachCodePoint(result);
        }
        return result;
    }

    private static String clean(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                return;
            }
            out.appendCodePoint(isWhitespace(cp) ? ' ' : cp);
        });
        return out.toString();
    }

    private static String spaceOutCjk(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (isCjkIdeograph(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static String removeNonSpacingMarks(String decomposed) {
        StringBuilder out = new StringBuilder(decomposed.length());
        decomposed.codePoints()
                .filter(cp -> Character.getType(cp) != Character.NON_SPACING_MARK)
                .forEach(out::appendCodePoint);
        return out.toString();
    }

    /**
     * Lowercases code point by code point, without context: unlike {@link String#toLowerCase(Locale)} on the
     * whole string, a word-final capital sigma becomes σ, as in the reference tokenizer.
     */
    private static String lowercaseEachCodePoint(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.append(Character.toString(cp).toLowerCase(Locale.ROOT)));
        return out.toString();
    }

    /** Unicode's White_Space property (tab, newline and carriage return included). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** Unicode "other" categories (Cc, Cf, Cn, Co, Cs), except tab, newline and carriage return. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE,
                 Character.SURROGATE -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks BERT treats as one word each (not Hangul, Hiragana or Katakana). */
    private static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
