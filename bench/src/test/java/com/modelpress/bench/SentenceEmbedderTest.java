package com.modelpress.bench;

import com.modelpress.tokenizer.TextTokenizer;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real all-MiniLM-L6-v2 (fp32 and ONNX Runtime's int8) on the first sentences of the bench. */
class SentenceEmbedderTest {

    private static final int SENTENCES = 20;

    @TempDir
    static Path models;

    private static List<String> sentences;
    private static TextTokenizer tokenizer;
    private static float[][] fp32;

    @BeforeAll
    static void embedWithFp32() throws IOException, OrtException {
        sentences = Sentences.first(SENTENCES);
        tokenizer = BenchModel.MINILM.tokenizer(TextTokenizer.DEFAULT_MAX_LINE_LENGTH);
        try (SentenceEmbedder embedder = new SentenceEmbedder(
                OrtEnvironment.getEnvironment(), BenchModel.MINILM.extractFp32(models), tokenizer, 0)) {
            fp32 = embedder.embed(sentences, 16);
        }
    }

    @Test
    void producesOneVectorPerSentence() {
        assertThat(fp32).hasNumberOfRows(SENTENCES);
        assertThat(fp32[0]).hasSize(384);
    }

    @Test
    void paraphrasesAreCloserThanUnrelatedSentences() {
        assertThat(sentences.get(0)).isEqualTo("The cat is sleeping on the warm windowsill.");
        assertThat(sentences.get(1)).isEqualTo("A kitten is napping in the sun by the window.");
        assertThat(sentences.get(4)).isEqualTo("How do I reset my password if I forgot it?");
        assertThat(sentences.get(5)).isEqualTo("I can't remember my password; how can I change it?");

        double catKitten = EmbeddingAgreement.cosine(fp32[0], fp32[1]);
        double catPassword = EmbeddingAgreement.cosine(fp32[0], fp32[4]);
        double passwordPassword = EmbeddingAgreement.cosine(fp32[4], fp32[5]);

        assertThat(catKitten).isGreaterThan(catPassword + 0.3);
        assertThat(passwordPassword).isGreaterThan(catPassword + 0.3);
    }

    @Test
    void eachOfTheOpeningParaphrasePairsFindsItsPartner() {
        // the file opens with ten paraphrase pairs: lines 2k and 2k+1 say the same thing
        int[] nearest = EmbeddingAgreement.nearestOthers(fp32);
        for (int i = 0; i < SENTENCES; i++) {
            assertThat(nearest[i]).as("nearest to \"%s\"", sentences.get(i)).isEqualTo(i ^ 1);
        }
    }

    @Test
    void paddingInABatchDoesNotChangeEmbeddings() throws OrtException {
        try (SentenceEmbedder embedder = new SentenceEmbedder(
                OrtEnvironment.getEnvironment(), models.resolve("all-minilm-l6-v2.onnx"), tokenizer, 0)) {
            // batch size 1: no padding at all
            float[][] alone = embedder.embed(sentences, 1);
            for (int i = 0; i < SENTENCES; i++) {
                assertThat(EmbeddingAgreement.cosine(alone[i], fp32[i])).isGreaterThan(0.9999);
            }
        }
    }

    @Test
    void onnxRuntimeInt8ModelStaysCloseToFp32() throws IOException, OrtException {
        float[][] int8;
        try (SentenceEmbedder embedder = new SentenceEmbedder(
                OrtEnvironment.getEnvironment(), BenchModel.MINILM.extractShippedInt8(models), tokenizer, 0)) {
            int8 = embedder.embed(sentences, 16);
        }

        EmbeddingAgreement agreement = EmbeddingAgreement.between(fp32, int8);

        assertThat(agreement.cosineMin()).isGreaterThan(0.95);
        assertThat(agreement.cosineMean()).isLessThan(1.0 - 1e-6);
    }
}
