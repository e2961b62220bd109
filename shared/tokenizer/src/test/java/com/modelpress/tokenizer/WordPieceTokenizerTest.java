package com.modelpress.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Expected ids were looked up by hand in the {@code model.vocab} of all-MiniLM-L6-v2's tokenizer.json
 * ([CLS]=101, [SEP]=102, [PAD]=0, [UNK]=100).
 */
class WordPieceTokenizerTest {

    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void loadMiniLmVocabulary() throws IOException {
        try (InputStream json = WordPieceTokenizerTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            assertThat(json).as("MiniLM tokenizer on the test classpath").isNotNull();
            tokenizer = WordPieceTokenizer.read(json, WordPieceTokenizer.DEFAULT_MAX_LENGTH);
        }
    }

    @Test
    void splitsPunctuationIntoItsOwnTokens() {
        // hello=7592 ,=1010 world=2088 !=999
        assertThat(tokenizer.encode("Hello, world!")).containsExactly(101, 7592, 1010, 2088, 999, 102);
    }

    @Test
    void splitsUnknownWordsIntoContinuingPieces() {
        // token=19204 ##ization=3989 of=1997 em=7861 ##bed=8270 ##ding=4667 ##s=2015
        assertThat(tokenizer.tokenize("Tokenization of embeddings"))
                .containsExactly("token", "##ization", "of", "em", "##bed", "##ding", "##s");
        assertThat(tokenizer.encode("Tokenization of embeddings"))
                .containsExactly(101, 19204, 3989, 1997, 7861, 8270, 4667, 2015, 102);
    }

    @Test
    void stripsAccentsAndLowercases() {
        // cafe=7668 naive=15743 resume=13746; café, naïve, résumé are not in the vocabulary
        assertThat(tokenizer.encode("Café NAÏVE résumé")).containsExactly(101, 7668, 15743, 13746, 102);
    }

    @Test
    void wordWithAnUnknownCharacterBecomesOneUnknownToken() {
        // U+2603 SNOWMAN is a symbol, not punctuation, so "snow☃man" stays one word; snow=4586 is in the vocabulary
        assertThat(tokenizer.encode("snow☃man")).containsExactly(101, 100, 102);
        assertThat(tokenizer.encode("a ☃ b")).containsExactly(101, 1037, 100, 1038, 102);
    }

    @Test
    void treatsEachCjkIdeographAsAWord() {
        // 日=1864 本=1876 語=1950
        assertThat(tokenizer.encode("日本語")).containsExactly(101, 1864, 1876, 1950, 102);
    }

    @Test
    void splitsApostrophesAndSymbols() {
        // i=1045 don=2123 '=1005 t=1056 pay=3477 $=1002 5=1019 .=1012 99=5585
        assertThat(tokenizer.encode("I don't pay $5.99"))
                .containsExactly(101, 1045, 2123, 1005, 1056, 3477, 1002, 1019, 1012, 5585, 102);
    }

    @Test
    void dropsControlCharactersAndTreatsUnicodeSpacesAsSpaces() {
        assertThat(tokenizer.encode("hello\u0000\tworld\u00A0!\u200B"))
                .containsExactly(101, 7592, 2088, 999, 102);
    }

    @Test
    void wordLongerThanTheCharacterLimitIsUnknown() {
        // xx=22038 ##xx=20348; the limit in tokenizer.json is 100 characters
        int[] hundred = tokenizer.encode("x".repeat(100));
        assertThat(hundred).hasSize(52);
        assertThat(hundred[1]).isEqualTo(22038);
        assertThat(hundred[50]).isEqualTo(20348);
        assertThat(tokenizer.encode("x".repeat(101))).containsExactly(101, 100, 102);
    }

    @Test
    void truncatesToMaxLengthKeepingSpecialTokens() throws IOException {
        WordPieceTokenizer short4;
        try (InputStream json = getClass().getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            short4 = WordPieceTokenizer.read(json, 4);
        }
        assertThat(short4.encode("hello world hello world")).containsExactly(101, 7592, 2088, 102);
        assertThat(tokenizer.encode("hello ".repeat(300))).hasSize(128).endsWith(102);
    }

    @Test
    void padsABatchToItsLongestText() {
        TokenBatch batch = tokenizer.encodeBatch(List.of("Hello, world!", "hello"));

        assertThat(batch.size()).isEqualTo(2);
        assertThat(batch.sequenceLength()).isEqualTo(6);
        assertThat(batch.inputIds()).containsExactly(
                101, 7592, 1010, 2088, 999, 102,
                101, 7592, 102, 0, 0, 0);
        assertThat(batch.attentionMask()).containsExactly(
                1, 1, 1, 1, 1, 1,
                1, 1, 1, 0, 0, 0);
        assertThat(batch.tokenTypeIds()).containsOnly(0L).hasSize(12);
        assertThat(batch.shape()).containsExactly(2, 6);
    }

    @Test
    void rejectsATokenizerOfAnotherKind() {
        String bpe = """
                {"normalizer": null, "pre_tokenizer": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""";
        assertThatThrownBy(() -> WordPieceTokenizer.read(
                new ByteArrayInputStream(bpe.getBytes(StandardCharsets.UTF_8)), 128))
                .isInstanceOf(UnsupportedTokenizerException.class)
                .hasMessageContaining("model.type = BPE");
    }
}
