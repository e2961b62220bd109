package com.modelpress.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.modelpress.engine.evaluation.TokenizedText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/** The Hugging Face library through DJL, on the three kinds of tokenizer.json models users bring. */
class TextTokenizerTest {

    @TempDir
    Path dir;

    /**
     * all-MiniLM-L6-v2's WordPiece tokenizer.json; the expected ids were looked up by hand in its {@code model.vocab}
     * ([CLS]=101, [SEP]=102, [PAD]=0, [UNK]=100).
     */
    @Test
    void wordPieceNormalisesSplitsAndFramesLikeBert() throws IOException {
        Path json = resource("/all-minilm-l6-v2-tokenizer.json", "minilm.json");
        try (TextTokenizer tokenizer = TextTokenizer.read(json, TextTokenizer.DEFAULT_MAX_LINE_LENGTH)) {
            // hello=7592 ,=1010 world=2088 !=999
            assertThat(tokenizer.encodeLine("Hello, world!")).containsExactly(101, 7592, 1010, 2088, 999, 102);
            // token=19204 ##ization=3989 of=1997 em=7861 ##bed=8270 ##ding=4667 ##s=2015
            assertThat(tokenizer.encodeLine("Tokenization of embeddings"))
                    .containsExactly(101, 19204, 3989, 1997, 7861, 8270, 4667, 2015, 102);
            // cafe=7668 naive=15743 resume=13746: accents stripped, lowercased
            assertThat(tokenizer.encodeLine("Café NAÏVE résumé")).containsExactly(101, 7668, 15743, 13746, 102);
            // U+2603 SNOWMAN is a symbol, not punctuation: "snow☃man" stays one word, unknown as a whole
            assertThat(tokenizer.encodeLine("snow☃man")).containsExactly(101, 100, 102);
            assertThat(tokenizer.encodeLine("a ☃ b")).containsExactly(101, 1037, 100, 1038, 102);
            // 日=1864 本=1876 語=1950: each CJK ideograph a word
            assertThat(tokenizer.encodeLine("日本語")).containsExactly(101, 1864, 1876, 1950, 102);
            // i=1045 don=2123 '=1005 t=1056 pay=3477 $=1002 5=1019 .=1012 99=5585
            assertThat(tokenizer.encodeLine("I don't pay $5.99"))
                    .containsExactly(101, 1045, 2123, 1005, 1056, 3477, 1002, 1019, 1012, 5585, 102);
            // control characters dropped, Unicode spaces are spaces
            assertThat(tokenizer.encodeLine("hello\u0000\tworld\u00A0!\u200B")).containsExactly(101, 7592, 2088, 999, 102);
            // xx=22038 ##xx=20348; a word over tokenizer.json's 100-character limit is unknown
            long[] hundred = tokenizer.encodeLine("x".repeat(100));
            assertThat(hundred).hasSize(52);
            assertThat(hundred[1]).isEqualTo(22038);
            assertThat(hundred[50]).isEqualTo(20348);
            assertThat(tokenizer.encodeLine("x".repeat(101))).containsExactly(101, 100, 102);
            assertThat(tokenizer.encodeLine("word ".repeat(300))).hasSize(TextTokenizer.DEFAULT_MAX_LINE_LENGTH)
                    .endsWith(102);
            assertThat(tokenizer.prefix()).containsExactly(101);
        }
        try (TextTokenizer short4 = TextTokenizer.read(json, 4)) {
            assertThat(short4.encodeLine("hello world hello world")).containsExactly(101, 7592, 2088, 102);
        }
    }

    @Test
    void padsABatchToItsLongestTextWithThePadToken() throws IOException {
        Path json = resource("/all-minilm-l6-v2-tokenizer.json", "minilm.json");
        try (TextTokenizer tokenizer = TextTokenizer.read(json, TextTokenizer.DEFAULT_MAX_LINE_LENGTH)) {
            TokenBatch batch = tokenizer.encodeBatch(List.of("Hello, world!", "hello"));

            assertThat(batch.shape()).containsExactly(2, 6);
            assertThat(batch.inputIds()).containsExactly(
                    101, 7592, 1010, 2088, 999, 102,
                    101, 7592, 102, 0, 0, 0);
            assertThat(batch.attentionMask()).containsExactly(
                    1, 1, 1, 1, 1, 1,
                    1, 1, 1, 0, 0, 0);
            assertThat(batch.tokenTypeIds()).containsOnly(0L).hasSize(12);
        }
    }

    @Test
    void byteLevelBpeMergesAndAddsNoSpecialTokens() throws IOException {
        Path json = resource("/tokenizers/byte-level-bpe.json", "bpe.json");
        try (TextTokenizer tokenizer = TextTokenizer.read(json, 16)) {
            // "ab" "Ġab" after byte-level pre-tokenization, merged by rank: a b → ab, then Ġ ab → Ġab
            assertThat(tokenizer.encode("ab ab")).containsExactly(4, 5);
            assertThat(tokenizer.encode("ab\nab")).containsExactly(4, 6, 4);
            assertThat(tokenizer.prefix()).isEmpty();
        }
    }

    @Test
    void sentencePieceUnigramWithABosTokenPrefixesEachText() throws IOException {
        Path json = resource("/tokenizers/unigram-with-bos.json", "unigram.json");
        try (TextTokenizer tokenizer = TextTokenizer.read(json, 16)) {
            assertThat(tokenizer.encode("hello world")).containsExactly(2, 3);
            assertThat(tokenizer.encodeLine("hello world")).containsExactly(1, 2, 3);
            assertThat(tokenizer.prefix()).containsExactly(1);
        }
    }

    @Test
    void tokenizesAFileAsOneStreamAndLineByLineWithItsDigest() throws Exception {
        Path json = resource("/all-minilm-l6-v2-tokenizer.json", "minilm.json");
        byte[] bytes = "Hello, world!\n\n  A second line.  \n".getBytes(StandardCharsets.UTF_8);
        Path text = Files.write(dir.resolve("text.txt"), bytes);
        try (TextTokenizer tokenizer = TextTokenizer.read(json, 32)) {
            TokenizedText tokenized = tokenizer.tokenize(text);

            assertThat(tokenized.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            assertThat(tokenized.file()).isEqualTo(text.toString());
            assertThat(tokenized.lines()).hasSize(2);
            assertThat(tokenized.lines().getFirst()).containsExactly(101, 7592, 1010, 2088, 999, 102);
            // the stream has no [CLS]/[SEP]: hello , world ! a second line .
            assertThat(tokenized.stream()).startsWith(7592, 1010, 2088, 999).doesNotContain(101, 102);
            assertThat(tokenized.prefix()).containsExactly(101);
        }
    }

    @Test
    void refusesMissingBrokenAndNonTextFiles() throws IOException {
        assertThatThrownBy(() -> TextTokenizer.read(dir.resolve("absent.json"), 16))
                .isInstanceOf(UnsupportedTokenizerException.class).hasMessageContaining("absent.json: no such file");
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"model\": {\"type\": \"Nonsense\"}}");
        assertThatThrownBy(() -> TextTokenizer.read(broken, 16))
                .isInstanceOf(UnsupportedTokenizerException.class).hasMessageStartingWith("cannot use the tokenizer " + broken);

        Path json = resource("/tokenizers/byte-level-bpe.json", "bpe.json");
        try (TextTokenizer tokenizer = TextTokenizer.read(json, 16)) {
            Path binary = Files.write(dir.resolve("binary.txt"), new byte[] {(byte) 0xff, (byte) 0xfe, 0x00, 0x41});
            assertThatThrownBy(() -> tokenizer.tokenize(binary)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not UTF-8 text");
            Path blank = Files.writeString(dir.resolve("blank.txt"), "\n   \n");
            assertThatThrownBy(() -> tokenizer.tokenize(blank)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("holds no text");
        }
    }

    private Path resource(String name, String file) throws IOException {
        try (InputStream in = getClass().getResourceAsStream(name)) {
            assertThat(in).as(name + " on the test classpath").isNotNull();
            Path target = dir.resolve(file);
            Files.copy(in, target);
            return target;
        }
    }
}
