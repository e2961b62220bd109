package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.testing.OnnxFixtures;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class Int4ContractTest extends CompressionMethodContract {
    CompressionMethod method() {
        return CompressionMethod.of("int4", CompressionOptions.defaults());
    }

    double minCosine() {
        return 0.98;
    }

    int matMulBits() {
        return 4;
    }

    double maxDecoderKl() {
        return 0.35;
    }

    double minDecoderCosine() {
        return 0.91;
    }

    @ParameterizedTest
    @CsvSource({"16,false", "32,true", "64,false", "128,true"})
    void everyBlockSizeAndSymmetry(int blockSize, boolean symmetric) throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(256, 64, 12), dir.resolve("blocks.onnx"));
        CompressionMethod method = CompressionMethod.of("int4", new CompressionOptions(blockSize, symmetric, List.of(), null));
        FidelityReport report = new ModelCompressor(EVALUATION).compress(input, dir.resolve("blocks-out.onnx"), method,
                com.modelpress.engine.ProgressListener.NONE);
        assertThat(report.outputs().getFirst().cosineMean()).isGreaterThan(0.97);
        assertThat(report.outputs().getFirst().cosineMin()).isGreaterThan(0.9);
        assertThat(report.tensors()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("W");
            assertThat(t.blockSize()).isEqualTo(blockSize);
            assertThat(t.encoding()).startsWith(symmetric ? "MatMulNBits(symmetric)" : "MatMulNBits");
        });
    }

    @ParameterizedTest
    @CsvSource({"gptq,GPTQ", "aware,activation-aware", "search,MatMulNBits", "rtn,RTN"})
    void everyRoundingMode(String rounding, String encoding) throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(128, 64, 13), dir.resolve("rounding.onnx"));
        CompressionMethod method = CompressionMethod.of("int4", new CompressionOptions(32, false, List.of(), null, rounding));
        FidelityReport report = new ModelCompressor(new com.modelpress.engine.evaluation.EvaluationSettings(2, 7, null, 0,
                java.util.Map.of()), new com.modelpress.engine.evaluation.CalibrationSettings(256, 3, null))
                .compress(input, dir.resolve("rounding-out.onnx"), method, ProgressListener.NONE);
        assertThat(report.outputs().getFirst().cosineMean()).isGreaterThan(0.97);
        assertThat(report.tensors()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("W");
            assertThat(t.encoding()).endsWith(encoding);
        });
        assertThat(report.options().rounding()).isEqualTo(rounding);
    }

    @org.junit.jupiter.api.Test
    void unknownRoundingIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CompressionMethod.of("int4",
                new CompressionOptions(32, false, List.of(), null, "stochastic"))).hasMessageContaining("rounding");
    }

    @org.junit.jupiter.api.Test
    void lmHeadPrecisionIsMeasuredAndNoted() throws IOException {
        Path input = OnnxFixtures.write(com.modelpress.engine.testing.DecoderFixtures.decoder(
                com.modelpress.engine.testing.DecoderFixtures.SMALL, com.modelpress.engine.testing.DecoderFixtures.Weights.FLOAT16,
                com.modelpress.engine.testing.DecoderFixtures.Head.UNTIED, 22), dir.resolve("head.onnx"));
        FidelityReport report = new ModelCompressor(EVALUATION).compress(input, dir.resolve("head-int4.onnx"), method(),
                ProgressListener.NONE);
        String head = com.modelpress.engine.testing.DecoderFixtures.HEAD;
        assertThat(report.notes()).anySatisfy(note -> assertThat(note)
                .startsWith("head " + head + ": KL with the rest compressed and the head kept")
                .containsPattern("-> (int4|int8|kept) \\(smallest within 4 times the rest's rate\\)"));
        String chosen = report.notes().stream().filter(n -> n.startsWith("head " + head)).findFirst().orElseThrow()
                .replaceAll(".*-> (int4|int8|kept) .*", "$1");
        assertThat(report.tensors()).filteredOn(t -> t.name().equals(head)).singleElement()
                .satisfies(t -> assertThat(t.method()).isEqualTo(chosen));
    }

    @ParameterizedTest
    // a float32 decoder's head left unquantized is stored as float16 (Compression#keptInFloat16)
    @CsvSource({"INT8,int8,MatMulNBits(symmetric)", "KEPT,kept,float16+Cast", "INT4,int4,MatMulNBits GPTQ"})
    void lmHeadPrecisionAsRequested(ModelCompressor.Head requested, String method, String encoding) throws IOException {
        Path input = OnnxFixtures.write(com.modelpress.engine.testing.DecoderFixtures.decoder(
                com.modelpress.engine.testing.DecoderFixtures.SMALL, com.modelpress.engine.testing.DecoderFixtures.Weights.FLOAT32,
                com.modelpress.engine.testing.DecoderFixtures.Head.UNTIED_TRANSPOSED, 23), dir.resolve("head-fixed.onnx"));
        FidelityReport report = new ModelCompressor(EVALUATION).withHead(requested)
                .compress(input, dir.resolve("head-fixed-out.onnx"), method(), ProgressListener.NONE);
        assertThat(report.tensors()).filteredOn(t -> t.name().equals(com.modelpress.engine.testing.DecoderFixtures.HEAD))
                .singleElement().satisfies(t -> {
                    assertThat(t.method()).isEqualTo(method);
                    assertThat(t.encoding()).isEqualTo(encoding);
                });
        assertThat(report.notes()).anySatisfy(note -> assertThat(note).endsWith(method + ", as requested"));
    }

    @ParameterizedTest
    @CsvSource({"UNTIED,64,GatherBlockQuantized", "TIED,32,'MatMulNBits+GatherBlockQuantized, tied (table stored once)'"})
    void aLookupTableTakesLongerBlocksUnlessAProductSharesIt(com.modelpress.engine.testing.DecoderFixtures.Head head,
                                                             int tableBlock, String encoding) throws IOException {
        Path input = OnnxFixtures.write(com.modelpress.engine.testing.DecoderFixtures.decoder(
                com.modelpress.engine.testing.DecoderFixtures.SMALL, com.modelpress.engine.testing.DecoderFixtures.Weights.FLOAT16,
                head, 24), dir.resolve("table-" + head + ".onnx"));
        FidelityReport report = new ModelCompressor(EVALUATION).withHead(ModelCompressor.Head.INT4)
                .compress(input, dir.resolve("table-" + head + "-int4.onnx"), method(), ProgressListener.NONE);

        assertThat(report.tensors()).filteredOn(t -> t.name().equals(com.modelpress.engine.testing.DecoderFixtures.EMBEDDING))
                .singleElement().satisfies(t -> {
                    assertThat(t.encoding()).startsWith(encoding);
                    assertThat(t.blockSize()).isEqualTo(tableBlock);
                });
        assertThat(report.tensors()).filteredOn(t -> t.encoding().startsWith("MatMulNBits GPTQ"))
                .isNotEmpty().allSatisfy(t -> assertThat(t.blockSize()).isEqualTo(32));
        // scored by ONNX Runtime: the model loads and runs with both block sizes in one graph (random weights, the
        // head in 4 bits too: 0.904 measured for the untied table)
        assertThat(report.worstCosineMean()).isGreaterThan(0.85);
    }
}
