package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.OpsetFixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Weights compress whatever the opset and wherever an exporter put them ({@link OpsetFixtures#exported}: Constant
 * nodes, Identity/Cast/Reshape/Transpose chains, an If branch, a lookup table), with ONNX Runtime as the referee:
 * the result loads and runs, keeps the signature, stays close, and decodes with the opset's own operators.
 */
class OpsetContractTest {

    private static final EvaluationSettings EVALUATION = new EvaluationSettings(2, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    static Stream<Arguments> opsetsAndMethods() {
        return Stream.of(7, 9, 11, 13, 17).flatMap(opset -> Stream.of("int8", "int8-dynamic", "int4")
                .map(method -> Arguments.of(opset, method)));
    }

    @ParameterizedTest(name = "opset {0}, {1}")
    @MethodSource("opsetsAndMethods")
    void everyWeightCompressesAtEveryOpset(int opset, String methodId) throws IOException {
        ModelProto model = OpsetFixtures.exported(opset, opset);
        Path input = OnnxFixtures.write(model, dir.resolve("exported.onnx"));
        Path output = dir.resolve("exported-" + methodId + ".onnx");
        // names kept: the graph's rewiring is checked below by value names
        FidelityReport report = new ModelCompressor(EVALUATION).compress(input, output,
                CompressionMethod.of(methodId, CompressionOptions.defaults().withKeepNames(true)), ProgressListener.NONE);

        assertThat(report.tensors()).as("kept at opset %d: %s", opset, report.tensors())
                .noneMatch(t -> t.method().equals("kept"));
        assertThat(report.tensors()).extracting(TensorReport::name).containsExactlyInAnyOrderElementsOf(OpsetFixtures.WEIGHTS);
        assertThat(report.sizes().compressedBytes()).isLessThan(report.sizes().originalBytes() * 4 / 10);
        assertThat(report.outputs()).extracting(FidelityReport.OutputFidelity::name).containsExactlyInAnyOrder("Y", "E", "G");
        // errors add up along the chain of layers (G reads the output of five compressed ones); 4 bits on random
        // weights with outliers stay further from the original than 8, still close
        double minCosine = methodId.equals("int4") ? 0.98 : 0.99;
        assertThat(report.outputs()).allSatisfy(o -> assertThat(o.cosineMean()).as(o.name()).isGreaterThan(minCosine));

        ModelProto written = OnnxModel.read(output).proto();
        assertThat(written.getGraph().getInputList()).isEqualTo(model.getGraph().getInputList());
        assertThat(written.getGraph().getOutputList()).isEqualTo(model.getGraph().getOutputList());
        assertThat(written.getIrVersion()).isEqualTo(model.getIrVersion());
        List<String> ops = ops(written.getGraph()).toList();
        if (opset < 13) {
            assertThat(ops).doesNotContain("DequantizeLinear");
            assertThat(report.tensors()).filteredOn(t -> t.name().startsWith("conv"))
                    .allSatisfy(t -> assertThat(t.encoding()).startsWith("Cast+Mul"));
        } else {
            assertThat(report.tensors()).filteredOn(t -> t.name().startsWith("conv"))
                    .allSatisfy(t -> assertThat(t.encoding()).startsWith("DequantizeLinear"));
        }
        // the wrappers the weights were read through went with them
        assertThat(written.getGraph().getNodeList()).extracting(NodeProto::getOpType).doesNotContain("Identity");
        assertThat(written.getGraph().getNodeList()).filteredOn(n -> n.getOpType().equals("Transpose"))
                .allSatisfy(n -> assertThat(n.getInput(0)).startsWith("slice"));
        // the gate slices are read transposed by MatMul: their output channels are the stored rows
        assertThat(report.tensors()).filteredOn(t -> t.name().equals("cell.w")).singleElement()
                .satisfies(t -> assertThat(t.encoding()).endsWith("(axis=0)"));
        assertThat(written.getGraph().getNodeList()).flatExtracting(NodeProto::getInputList)
                .doesNotContain("conv2.w.hwio", "fc.w.flat", "proj.w");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void aKeptWeightGetsTheReasonThatIsTrueForIt(String methodId) throws IOException {
        Path input = OnnxFixtures.write(OpsetFixtures.keptWeights(9, 1), dir.resolve("kept.onnx"));
        FidelityReport report = new ModelCompressor(EVALUATION).compress(input, dir.resolve("kept-" + methodId + ".onnx"),
                CompressionMethod.of(methodId, CompressionOptions.defaults()), ProgressListener.NONE);
        assertThat(report.tensors()).filteredOn(t -> t.name().equals("scale")).singleElement()
                .satisfies(t -> assertThat(t.reason()).isEqualTo("read by Mul input 1 (a 2-D tensor): not a weight input "
                        + "of MatMul, Gemm, Conv, ConvTranspose, Gather, LSTM, GRU or RNN"));
        assertThat(report.tensors()).filteredOn(t -> t.name().equals("shared")).singleElement()
                .satisfies(t -> assertThat(t.reason()).isEqualTo("the value is a graph output, so it must stay as stored"));
        assertThat(report.nothingToCompress()).isTrue();
    }

    static Stream<String> methods() {
        return Stream.of("int8", "int8-dynamic", "int4");
    }

    private static Stream<String> ops(GraphProto graph) {
        return graph.getNodeList().stream().flatMap(node -> Stream.concat(Stream.of(node.getOpType()),
                node.getAttributeList().stream().filter(a -> a.hasG()).flatMap(a -> ops(a.getG()))));
    }
}
