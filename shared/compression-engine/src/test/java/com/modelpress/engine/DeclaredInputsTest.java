package com.modelpress.engine;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.DeclaredInputs;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.RecurrentFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Declared shapes, dimensions and values of synthesised inputs, on a stateful recurrent model
 * ({@link RecurrentFixtures#voiceActivityDetector}) that fails on anything the engine would guess.
 */
class DeclaredInputsTest {

    private static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());
    private static final DeclaredInputs VAD = DeclaredInputs.parse(List.of("input=2x512"), List.of("batch=2"),
            List.of("sr=16000"));

    @TempDir
    Path dir;

    Path model;

    @BeforeEach
    void writeModel() {
        model = OnnxFixtures.write(RecurrentFixtures.voiceActivityDetector(3), dir.resolve("vad.onnx"));
    }

    private FidelityReport compress(String method, DeclaredInputs declared) throws IOException {
        return new ModelCompressor(EVALUATION.withInputs(declared)).compress(model, dir.resolve("vad-" + method + ".onnx"),
                CompressionMethod.of(method, CompressionOptions.defaults()), ProgressListener.NONE);
    }

    @Test
    void withoutDeclarationsTheFailureNamesTheInputsAndTheOptions() {
        assertThatThrownBy(() -> compress("int8", DeclaredInputs.NONE))
                .isInstanceOf(UnsupportedModelException.class)
                .satisfies(e -> assertThat(((UnsupportedModelException) e).defect())
                        .contains(ModelDefect.SYNTHESISED_INPUTS_REJECTED))
                .hasMessageContaining("input float32[?,?] fed as [1,1]")
                .hasMessageContaining("state float32[2,batch,128] fed as [2,1,128]")
                .hasMessageContaining("sr int64[] fed as []")
                .hasMessageContaining("--shape input=NxN")
                .hasMessageContaining("--dim SYMBOL=N")
                .hasMessageContaining("--set NAME=VALUE")
                .hasMessageContaining("evaluation.shapes, evaluation.dims, evaluation.values")
                .hasMessageEndingWith("[synthesised_inputs_rejected]");
        assertThat(dir.resolve("vad-int8.onnx")).doesNotExist();
    }

    @Test
    void aShapeAloneStillMissesTheStateBatchAndSaysWhatWasDeclared() {
        DeclaredInputs shapeOnly = DeclaredInputs.parse(List.of("input=2x512"), List.of(), List.of("sr=16000"));
        assertThatThrownBy(() -> compress("int8", shapeOnly))
                .hasMessageContaining("input float32[?,?] fed as [2,512]")
                .hasMessageContaining("state float32[2,batch,128] fed as [2,1,128]")
                .hasMessageContaining("declared: --shape input=2x512 --set sr=16000.0");
    }

    @Test
    void compressesAndEvaluatesWithDeclaredShapesDimsAndValues() throws IOException {
        FidelityReport report = compress("int8", VAD);
        assertThat(report.outputs()).extracting(FidelityReport.OutputFidelity::name).containsExactlyInAnyOrder("output", "stateN");
        assertThat(report.outputs()).allSatisfy(o -> assertThat(o.cosineMean()).as(o.name()).isGreaterThan(0.99));
        // the 16 kHz branch ran, and its LSTM weights were compressed inside the If branch with the frame projection
        assertThat(report.tensors()).filteredOn(t -> !t.method().equals("kept")).extracting(TensorReport::name)
                .contains("frame.w", "head.w", "lstm16k.w", "lstm16k.r", "lstm8k.w", "lstm8k.r");
        assertThat(report.evaluation().description()).anySatisfy(line -> assertThat(line)
                .isEqualTo("sr int64 []: every element 16000 (declared)"));
        assertThat(report.evaluation().description()).anySatisfy(line -> assertThat(line)
                .startsWith("input float32 [2,512]").endsWith("shape declared"));
        assertThat(report.evaluation().description()).contains("symbolic dimensions: batch=2 (declared)");
        assertThat(OnnxModel.read(dir.resolve("vad-int8.onnx")).proto().getGraph().getInputList())
                .isEqualTo(OnnxModel.read(model).proto().getGraph().getInputList());
    }

    @Test
    void calibrationSynthesisesTheDeclaredInputsToo() throws IOException {
        FidelityReport report = compress("int4", VAD);
        assertThat(report.tensors()).anySatisfy(t -> {
            assertThat(t.name()).isEqualTo("frame.w");
            assertThat(t.encoding()).contains("MatMulNBits").contains("GPTQ");
        });
        assertThat(report.outputs()).allSatisfy(o -> assertThat(o.cosineMean()).as(o.name()).isGreaterThan(0.98));
    }

    @Test
    void declarationsThatDoNotFitTheModelAreRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> compress("int8", DeclaredInputs.parse(List.of("audio=2x512"), List.of(), List.of())))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("--shape audio (evaluation.shapes) names no input of the model; its inputs are input, state, sr");
        assertThatThrownBy(() -> compress("int8", DeclaredInputs.parse(List.of("state=2x2x64"), List.of(), List.of())))
                .hasMessageContaining("dimension 2 of input 'state' is fixed at 128");
        assertThatThrownBy(() -> compress("int8", DeclaredInputs.parse(List.of("input=512"), List.of(), List.of())))
                .hasMessageContaining("input 'input' has rank 2");
        assertThatThrownBy(() -> compress("int8", DeclaredInputs.parse(List.of(), List.of("time=3"), List.of())))
                .hasMessageContaining("names no symbolic dimension of the model; its symbols are batch");
        assertThatThrownBy(() -> compress("int8", DeclaredInputs.parse(List.of(), List.of(), List.of("sr=16000.5"))))
                .hasMessageContaining("input 'sr' is int64; give a whole number");
        assertThatThrownBy(() -> compress("int8", DeclaredInputs.parse(List.of("input=4096x4096"), List.of(), List.of())))
                .hasMessageContaining("more than the 16777216 per sample");
        assertThat(dir.resolve("vad-int8.onnx")).doesNotExist();
    }

    @Test
    void settingsRefuseUnboundedOrMisplacedDeclarations() {
        DeclaredInputs huge = new DeclaredInputs(Map.of("input", List.of(1L << 20, 1L << 20)), Map.of(), Map.of());
        assertThatThrownBy(() -> EVALUATION.withInputs(huge))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("evaluation.shapes.input 1048576x1048576 holds more than 16777216 elements");
        assertThatThrownBy(() -> new EvaluationSettings(2, 7, dir, 0, Map.of()).withInputs(VAD))
                .hasMessageContaining("do not combine with a folder of samples");
        assertThatThrownBy(() -> EVALUATION.withInputs(new DeclaredInputs(Map.of(), Map.of("batch", -1L), Map.of())))
                .hasMessageContaining("evaluation.dims.batch must be between 0 and 16777216, not -1");
        assertThat(Files.exists(dir)).isTrue();
    }
}
