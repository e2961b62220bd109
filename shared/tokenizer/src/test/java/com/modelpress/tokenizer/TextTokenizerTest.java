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

    @Test
    void wordPieceGivesTheIdsOfTheHandWrittenBertTokenizer() throws IOException {
        Path json = resource("/all-minilm-l6-v2-tokenizer.json", "minilm.json");
        WordPieceTokenizer reference;
        try (InputStream in = Files.newInputStream(json)) {
            reference = WordPieceTokenizer.read(in, WordPieceTokenizer.DEFAULT_MAX_LENGTH);
        }
        try (TextTokenizer tokenizer = TextTokenizer.read(json, WordPieceTokenizer.DEFAULT_MAX_LENGTH)) {
            // [CLS]=101 hello=7592 ,=1010 world=2088 !=999 [SEP]=102
            assertThat(tokenizer.encodeLine("Hello, world!")).containsExactly(101, 7592, 1010, 2088, 999, 102);
            assertThat(tokenizer.prefix()).containsExactly(101);
            for (String sentence : List.of("Tokenization of embeddings", "The café's naïve résumé.",
                    "A sentence that is a little longer, with punctuation; and numbers like 42 and 3.14!")) {
                int[] expected = reference.encode(sentence);
                assertThat(tokenizer.encodeLine(sentence)).containsExactly(java.util.Arrays.stream(expected)
                        .asLongStream().toArray());
            }
            assertThat(tokenizer.encodeLine("word ".repeat(300))).hasSize(WordPieceTokenizer.DEFAULT_MAX_LENGTH)
                    .endsWith(102);
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
