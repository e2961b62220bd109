package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.quant.NBitsEncodings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/**
 * ONNX Runtime (the version on the class path, 1.29) as the referee of every width the mixed-precision planner uses:
 * {@code MatMulNBits} and {@code GatherBlockQuantized} on the CPU provider must compute with exactly the values
 * {@link WidthQuantizer} says it stored, at 2, 4 and 8 bits, block sizes 32/64/128 (and 256 symmetric at 4 bits), with and without zero points,
 * float32 and float16 scales. A
 * packing mistake (bit order, zero-point bytes, blob size) shows up as a large difference; a width the kernel does
 * not run fails the session.
 */
class WidthKernelsTest {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @ParameterizedTest
    @CsvSource({"2,32,1,false", "2,64,10,false", "2,128,1,false", "4,32,10,false", "4,128,1,false", "8,32,1,false",
            "8,64,10,false", "4,128,10,true", "4,256,1,true", "4,256,10,true"})
    void matMulNBitsComputesWithTheStoredCodes(int bits, int blockSize, int scaleType, boolean symmetric)
            throws OrtException {
        // two blocks and a partial third
        int k = Math.max(192, 2 * blockSize + blockSize / 2);
        int n = 24;
        float[] w = gaussian(k * n, 3);
        float[] decoded = new float[w.length];
        NBitsEncodings.Packed packed = new WidthQuantizer(k, null, MatrixProducts.JAVA)
                .quantize(w, n, bits, blockSize, symmetric, scaleType, decoded);
        assertThat(packed.zeroPoints() == null).isEqualTo(symmetric || bits == 8);
        assertThat(new MatMulNBitsWeights(n, k, blockSize, packed.data(), packed.scales(), packed.zeroPoints(), bits)
                .dequantize()).containsExactly(decoded);

        List<TensorProto> initializers = new ArrayList<>();
        initializers.add(Nodes.tensor("W", DataType.UINT8_VALUE, new long[]{n, packed.blocks(), blockSize * bits / 8},
                ByteString.copyFrom(packed.data())));
        initializers.add(Nodes.tensor("S", scaleType, new long[]{n, packed.blocks()},
                ByteString.copyFrom(TensorCodec.toBytes(scaleType, packed.scales()))));
        List<String> inputs = new ArrayList<>(List.of("X", "W", "S"));
        if (packed.zeroPoints() != null) {
            initializers.add(Nodes.tensor("Z", DataType.UINT8_VALUE, new long[]{n, packed.zeroPoints().length / n},
                    ByteString.copyFrom(packed.zeroPoints())));
            inputs.add("Z");
        }
        GraphProto graph = GraphProto.newBuilder().setName("nbits")
                .addNode(Nodes.domainNode("com.microsoft", "MatMulNBits", "mm", inputs, List.of("Y"),
                        Nodes.intAttribute("K", k), Nodes.intAttribute("N", n), Nodes.intAttribute("bits", bits),
                        Nodes.intAttribute("block_size", blockSize)))
                .addAllInitializer(initializers)
                .addInput(value("X", scaleType, 3, k)).addOutput(value("Y", scaleType, 3, n)).build();
        float[] x = gaussian(3 * k, 5);
        float[] y = run(model(graph), input(x, scaleType, 3, k), scaleType);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < n; c++) {
                double expected = 0;
                for (int i = 0; i < k; i++) {
                    expected += (double) x[r * k + i] * decoded[i * n + c];
                }
                double tolerance = scaleType == DataType.FLOAT_VALUE ? 1e-3 : 0.05 + 0.01 * Math.abs(expected);
                assertThat((double) y[r * n + c]).as("%d bits, block %d: Y[%d][%d]", bits, blockSize, r, c)
                        .isCloseTo(expected, offset(tolerance + 1e-3 * Math.abs(expected)));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"2,32,10,false", "2,64,1,false", "4,32,10,false", "8,128,1,false", "4,128,10,true", "4,256,1,true"})
    void gatherBlockQuantizedDecodesTheStoredRows(int bits, int blockSize, int scaleType, boolean symmetric)
            throws OrtException {
        int vocab = 40;
        int dim = Math.max(128, 2 * blockSize);
        // a table's rows are the matrix's columns: K = dim, N = vocab, the table stored [vocab, dim]
        float[] table = gaussian(vocab * dim, 9);
        float[] matrix = new float[table.length];
        for (int row = 0; row < vocab; row++) {
            for (int i = 0; i < dim; i++) {
                matrix[i * vocab + row] = table[row * dim + i];
            }
        }
        float[] decoded = new float[matrix.length];
        NBitsEncodings.Packed packed = new WidthQuantizer(dim, null, MatrixProducts.JAVA)
                .quantize(matrix, vocab, bits, blockSize, symmetric, scaleType, decoded);
        List<TensorProto> initializers = new ArrayList<>();
        initializers.add(Nodes.tensor("T", DataType.UINT8_VALUE, new long[]{vocab, (long) dim * bits / 8},
                ByteString.copyFrom(packed.data())));
        initializers.add(Nodes.tensor("S", scaleType, new long[]{vocab, packed.blocks()},
                ByteString.copyFrom(TensorCodec.toBytes(scaleType, packed.scales()))));
        List<String> inputs = new ArrayList<>(List.of("T", "ids", "S"));
        if (packed.zeroPoints() != null) {
            initializers.add(Nodes.tensor("Z", DataType.UINT8_VALUE, new long[]{vocab, packed.zeroPoints().length / vocab},
                    ByteString.copyFrom(packed.zeroPoints())));
            inputs.add("Z");
        }
        GraphProto graph = GraphProto.newBuilder().setName("gather")
                .addNode(Nodes.domainNode("com.microsoft", "GatherBlockQuantized", "g", inputs, List.of("Y"),
                        Nodes.intAttribute("gather_axis", 0), Nodes.intAttribute("quantize_axis", 1),
                        Nodes.intAttribute("block_size", blockSize), Nodes.intAttribute("bits", bits)))
                .addAllInitializer(initializers)
                .addInput(value("ids", DataType.INT64_VALUE, 1, 5)).addOutput(value("Y", scaleType, 1, 5, dim)).build();
        long[] ids = {0, 7, 39, 7, 21};
        float[] y;
        try (OnnxTensor tensor = OnnxTensor.createTensor(ENV, new long[][]{ids})) {
            y = run(model(graph), tensor, scaleType);
        }
        for (int t = 0; t < ids.length; t++) {
            for (int i = 0; i < dim; i++) {
                double expected = decoded[i * vocab + (int) ids[t]];
                assertThat((double) y[t * dim + i]).as("%d bits: row %d [%d]", bits, ids[t], i)
                        .isCloseTo(expected, offset(scaleType == DataType.FLOAT_VALUE ? 1e-6 : 2e-3 * (1 + Math.abs(expected))));
            }
        }
    }

    private static float[] run(ModelProto model, OnnxTensor input, int type) throws OrtException {
        try (OrtSession session = ENV.createSession(model.toByteArray(), new OrtSession.SessionOptions());
             input;
             OrtSession.Result result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
            OnnxTensor out = (OnnxTensor) result.get(0);
            if (type == DataType.FLOAT_VALUE) {
                java.nio.FloatBuffer buffer = out.getFloatBuffer();
                float[] values = new float[buffer.remaining()];
                buffer.get(values);
                return values;
            }
            java.nio.ShortBuffer buffer = out.getShortBuffer();
            float[] values = new float[buffer.remaining()];
            for (int i = 0; i < values.length; i++) {
                values[i] = Float.float16ToFloat(buffer.get(i));
            }
            return values;
        }
    }

    private static OnnxTensor input(float[] x, int type, long... shape) throws OrtException {
        if (type == DataType.FLOAT_VALUE) {
            return OnnxTensor.createTensor(ENV, java.nio.FloatBuffer.wrap(x), shape);
        }
        java.nio.ByteBuffer bits = java.nio.ByteBuffer.allocateDirect(2 * x.length).order(java.nio.ByteOrder.nativeOrder());
        for (float v : x) {
            bits.putShort(Float.floatToFloat16(v));
        }
        bits.flip();
        return OnnxTensor.createTensor(ENV, bits, shape, ai.onnxruntime.OnnxJavaType.FLOAT16);
    }

    private static ModelProto model(GraphProto graph) {
        return ModelProto.newBuilder().setIrVersion(8).setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1)).build();
    }

    private static ValueInfoProto value(String name, int type, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long dim : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }

    private static float[] gaussian(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * 0.1);
        }
        return values;
    }
}
