package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ONNX Runtime as the referee of the packed layout: the compressed model's output must equal X · W' + B where
 * W' is dequantized in Java straight from the bytes stored in the model — any nibble, block or zero-point
 * ordering mistake shows up as a large difference.
 */
class MatMulNBitsLayoutTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"96,40,32,false", "100,24,16,false", "256,33,64,true", "128,8,128,false", "72,16,32,true"})
    void onnxRuntimeComputesWithExactlyTheStoredWeights(int k, int n, int blockSize, boolean symmetric)
            throws IOException, OrtException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(k, n, 21), dir.resolve("m.onnx"));
        Path output = dir.resolve("m-int4.onnx");
        new ModelCompressor(new EvaluationSettings(1, 1, null, 0, Map.of())).compress(input, output,
                CompressionMethod.of("int4", new CompressionOptions(blockSize, symmetric, List.of(), 0L)), ProgressListener.NONE);

        OnnxModel compressed = OnnxModel.read(output);
        GraphProto graph = compressed.proto().getGraph();
        NodeProto nbits = graph.getNodeList().stream().filter(node -> node.getOpType().equals("MatMulNBits")).findFirst().orElseThrow();
        assertThat(nbits.getDomain()).isEqualTo("com.microsoft");
        assertThat(Nodes.intAttribute(nbits, "K", -1)).isEqualTo(k);
        assertThat(Nodes.intAttribute(nbits, "N", -1)).isEqualTo(n);
        assertThat(Nodes.intAttribute(nbits, "block_size", -1)).isEqualTo(blockSize);
        assertThat(nbits.getInputCount()).isEqualTo(symmetric ? 3 : 4);

        byte[] packed = bytes(compressed, initializer(graph, nbits.getInput(1)));
        // a float32 graph stores the scales as float16, read through a Cast to float32 (folded by ONNX Runtime)
        NodeProto scaleCast = graph.getNodeList().stream().filter(node -> node.getOutputList().contains(nbits.getInput(2)))
                .findFirst().orElseThrow();
        assertThat(scaleCast.getOpType()).isEqualTo("Cast");
        TensorProto storedScales = initializer(graph, scaleCast.getInput(0));
        assertThat(storedScales.getDataType()).isEqualTo(TensorProto.DataType.FLOAT16_VALUE);
        float[] scales = compressed.floats(storedScales);
        byte[] zeroPoints = symmetric ? null : bytes(compressed, initializer(graph, nbits.getInput(3)));
        float[] w = new MatMulNBitsWeights(n, k, blockSize, packed, scales, zeroPoints).dequantize();
        float[] bias = OnnxFixtures.initializerValues(OnnxFixtures.matMul(k, n, 21), "B");

        int rows = 3;
        float[][] x = new float[rows][k];
        Random random = new Random(5);
        for (float[] row : x) {
            for (int i = 0; i < k; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(output.toString(), new OrtSession.SessionOptions());
             OnnxTensor tensor = OnnxTensor.createTensor(env, x);
             OrtSession.Result result = session.run(Map.of("X", tensor))) {
            float[][] y = (float[][]) result.get(0).getValue();
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < n; c++) {
                    double expected = bias[c];
                    for (int i = 0; i < k; i++) {
                        expected += (double) x[r][i] * w[i * n + c];
                    }
                    assertThat((double) y[r][c]).as("Y[%d][%d]", r, c)
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-3 + 1e-4 * Math.abs(expected)));
                }
            }
        }
    }

    private static TensorProto initializer(GraphProto graph, String name) {
        return graph.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    }

    private static byte[] bytes(OnnxModel model, TensorProto tensor) throws IOException {
        return model.rawBytes(tensor).toByteArray();
    }

}
