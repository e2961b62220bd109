package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.quant.Int8Channels;
import com.modelpress.engine.quant.NBitsEncodings;
import com.modelpress.engine.testing.DecoderFixtures;
import com.modelpress.engine.testing.DecoderFixtures.Head;
import com.modelpress.engine.testing.DecoderFixtures.Weights;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Float32 graphs (float32 weights, or bfloat16 weights read through {@code Cast}) store their 4- and 8-bit block scales
 * in float16, behind a {@code Cast} to the activation type for {@code MatMulNBits} and a {@code Cast} of the looked-up
 * rows for {@code GatherBlockQuantized}, so they compress to the bytes their float16 twin does; a decoder's float32
 * table left unquantized is stored as float16. Every model is built in code and run in ONNX Runtime, with and without
 * its graph optimizations (without them the Casts run as nodes instead of being folded).
 */
class Float16ScalesTest {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of());

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} weights, {1} head, {2}")
    @CsvSource({
            // the float16 twin's int4 measured 0.171 / 0.168 / 0.175 of its file for these; KL ceilings from random
            // weights (measured at most 0.16), as in Int4ContractTest
            "FLOAT32,  UNTIED, int4, 0.35",
            "FLOAT32,  TIED,   int4, 0.35",
            "BFLOAT16, UNTIED, int4, 0.35",
            "BFLOAT16, TIED,   int4, 0.35",
            "FLOAT32,  TIED,   int8, 0.01",
            "BFLOAT16, TIED,   int8, 0.01"})
    void aFloat32GraphCompressesToTheBytesOfItsFloat16Twin(Weights weights, Head head, String method, double maxKl)
            throws IOException, OrtException {
        Path input = OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL, weights, head, 31),
                dir.resolve("decoder.onnx"));
        Path twin = OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL, Weights.FLOAT16, head, 31),
                dir.resolve("twin.onnx"));
        Path output = dir.resolve("decoder-" + method + ".onnx");
        Path twinOutput = dir.resolve("twin-" + method + ".onnx");
        CompressionMethod compression = CompressionMethod.of(method, CompressionOptions.defaults());
        FidelityReport report = new ModelCompressor(EVALUATION).withHead(ModelCompressor.Head.INT4)
                .compress(input, output, compression, ProgressListener.NONE);
        FidelityReport twinReport = new ModelCompressor(EVALUATION).withHead(ModelCompressor.Head.INT4)
                .compress(twin, twinOutput, compression, ProgressListener.NONE);

        GraphProto graph = OnnxModel.read(output).proto().getGraph();
        List<NodeProto> blocks = graph.getNodeList().stream()
                .filter(n -> n.getOpType().equals("MatMulNBits") || n.getOpType().equals("GatherBlockQuantized")).toList();
        assertThat(blocks).isNotEmpty();
        for (NodeProto node : blocks) {
            // scales input: a float16 initializer, read through a Cast to float32 by the products
            String scales = node.getInput(2);
            String stored = node.getOpType().equals("MatMulNBits") ? castInput(graph, scales, DataType.FLOAT_VALUE) : scales;
            assertThat(initializer(graph, stored).getDataType()).as(node.getName()).isEqualTo(DataType.FLOAT16_VALUE);
            if (node.getOpType().equals("GatherBlockQuantized")) {
                assertThat(graph.getNodeList()).as("the looked-up rows are cast back to float32")
                        .anyMatch(n -> n.getOpType().equals("Cast") && n.getInput(0).equals(node.getOutput(0))
                                && n.getAttribute(0).getI() == DataType.FLOAT_VALUE);
            }
        }
        // the float16 twin's bytes: every 4-bit tensor, and the 8-bit tied table (int8 puts a float32 graph's other
        // products behind DequantizeLinear, per channel); the file holds a few Cast nodes more (3.5 % of this small
        // model's 94 kB, 0.4 % of tinylm's 3 MB)
        // (bf16 weights are named after their Casts: compared by size, the tied table being the largest)
        List<Long> bytes = storedBytes(report);
        List<Long> twinBytes = storedBytes(twinReport);
        if (method.equals("int4")) {
            assertThat(bytes).isEqualTo(twinBytes);
        } else {
            assertThat(bytes.getLast()).isEqualTo(twinBytes.getLast());
        }
        assertThat((double) Files.size(output)).isLessThanOrEqualTo(1.05 * Files.size(twinOutput));
        assertThat(report.outputs()).singleElement().satisfies(logits ->
                assertThat(logits.klDivergence()).isNotNull().isLessThanOrEqualTo(maxKl));
        assertRunsAlikeWithAndWithoutOptimizations(output);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"int4", "int8"})
    void aDecodersKeptFloat32TableIsStoredAsFloat16(String method) throws IOException, OrtException {
        Path input = OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL, Weights.FLOAT32, Head.UNTIED, 32),
                dir.resolve("kept.onnx"));
        Path output = dir.resolve("kept-" + method + ".onnx");
        CompressionMethod excluding = CompressionMethod.of(method,
                new CompressionOptions(null, null, List.of(DecoderFixtures.EMBEDDING), null));
        FidelityReport report = new ModelCompressor(EVALUATION).withHead(ModelCompressor.Head.INT4)
                .compress(input, output, excluding, ProgressListener.NONE);

        long elements = (long) DecoderFixtures.SMALL.vocab() * DecoderFixtures.SMALL.hidden();
        assertThat(report.tensors()).filteredOn(t -> t.name().equals(DecoderFixtures.EMBEDDING)).singleElement()
                .satisfies(t -> {
                    assertThat(t.method()).isEqualTo("kept");
                    assertThat(t.encoding()).isEqualTo("Gather on a float16 table+Cast");
                    assertThat(t.reason()).startsWith("excluded by option; stored as float16 (rounding only, SQNR");
                    assertThat(t.compressedBytes()).isEqualTo(2 * elements);
                    assertThat(t.sqnrDb()).isGreaterThan(60.0);
                });
        GraphProto graph = OnnxModel.read(output).proto().getGraph();
        assertThat(graph.getInitializerList()).filteredOn(t -> t.getName().startsWith(DecoderFixtures.EMBEDDING))
                .singleElement().satisfies(t -> assertThat(t.getDataType()).isEqualTo(DataType.FLOAT16_VALUE));
        assertThat(report.outputs()).singleElement().satisfies(logits ->
                assertThat(logits.klDivergence()).isNotNull().isLessThanOrEqualTo(method.equals("int4") ? 0.35 : 0.01));
        assertRunsAlikeWithAndWithoutOptimizations(output);
    }

    @ParameterizedTest(name = "{0} weights")
    @CsvSource({"FLOAT32", "BFLOAT16"})
    void int8ChannelAndRowScalesAreFloat16BehindACast(Weights weights) throws IOException, OrtException {
        Path input = OnnxFixtures.write(DecoderFixtures.decoder(DecoderFixtures.SMALL, weights, Head.UNTIED, 35),
                dir.resolve("channels.onnx"));
        Path output = dir.resolve("channels-int8.onnx");
        FidelityReport report = new ModelCompressor(EVALUATION).compress(input, output,
                CompressionMethod.of("int8", CompressionOptions.defaults()), ProgressListener.NONE);

        GraphProto graph = OnnxModel.read(output).proto().getGraph();
        List<NodeProto> dequantize = graph.getNodeList().stream().filter(n -> n.getOpType().equals("DequantizeLinear"))
                .toList();
        assertThat(dequantize).isNotEmpty();
        List<Long> stored = storedBytes(report);
        for (NodeProto node : dequantize) {
            // x_scale: a float16 initializer read through a Cast to float32; the report counts 2 bytes a channel
            TensorProto scale = initializer(graph, castInput(graph, node.getInput(1), DataType.FLOAT_VALUE));
            assertThat(scale.getDataType()).as(node.getName()).isEqualTo(DataType.FLOAT16_VALUE);
            long elements = elements(initializer(graph, node.getInput(0)));
            assertThat(stored).as(node.getName()).contains(elements + 2 * elements(scale));
        }
        // the table's row scales likewise, cast once before the lookups
        TensorProto rowScales = graph.getInitializerList().stream().filter(t -> t.getName().endsWith("_row_scale"))
                .findFirst().orElseThrow(() -> new AssertionError("no int8 table"));
        assertThat(rowScales.getDataType()).isEqualTo(DataType.FLOAT16_VALUE);
        assertThat(graph.getNodeList()).filteredOn(n -> n.getOpType().equals("Cast") && n.getInput(0)
                .equals(rowScales.getName())).singleElement();
        assertThat(report.tensors()).filteredOn(t -> t.encoding().startsWith("Gather+int8 rows")).singleElement()
                .satisfies(t -> assertThat(t.compressedBytes())
                        .isEqualTo(t.elements() + 2 * rowScales.getDims(0)));
        assertThat(report.outputs()).singleElement().satisfies(logits ->
                assertThat(logits.klDivergence()).isNotNull().isLessThanOrEqualTo(0.01));
        assertRunsAlikeWithAndWithoutOptimizations(output);
        // and with every optimization (DequantizeLinear+MatMul fused, its scales folded into a constant)
        for (float value : logits(output, OrtSession.SessionOptions.OptLevel.ALL_OPT)) {
            assertThat(Float.isFinite(value)).isTrue();
        }
    }

    @Test
    void int8ChannelScalesAreRoundedToFloat16BeforeCodesAreChosen() {
        float[] values = gaussian(64 * 8, 0.03f, 36);
        Int8Channels q = Int8Channels.quantizeStoredAs(values, new long[]{64, 8}, 1, DataType.FLOAT16_VALUE);
        double error = 0;
        double roundedAfterwards = 0;
        Int8Channels plain = Int8Channels.quantize(values, new long[]{64, 8}, 1);
        for (int i = 0; i < values.length; i++) {
            float scale = q.scales()[i % 8];
            assertThat(Float.float16ToFloat(Float.floatToFloat16(scale))).isEqualTo(scale);
            // what DequantizeLinear computes from the file: code × the stored scale
            assertThat(q.decoded()[i]).isEqualTo(q.values()[i] * scale);
            error += Math.pow(values[i] - q.decoded()[i], 2);
            float late = Float.float16ToFloat(Float.floatToFloat16(plain.scales()[i % 8]));
            roundedAfterwards += Math.pow(values[i] - plain.values()[i] * late, 2);
        }
        // choosing codes for the rounded scale is never worse than rounding the scale of codes chosen before
        assertThat(error).isLessThanOrEqualTo(roundedAfterwards * (1 + 1e-9));
    }

    @Test
    void scalesBeyondFloat16sRangeStayFloat32AndSaySo() throws IOException {
        // weights of about 1e5 give block scales of about 1e4..5e4: beyond float16 with the clipping margin
        Path input = OnnxFixtures.write(OnnxFixtures.scaleWeights(OnnxFixtures.matMul(128, 64, 33), 3e5f),
                dir.resolve("huge.onnx"));
        FidelityReport report = new ModelCompressor(EVALUATION).compress(input, dir.resolve("huge-int4.onnx"),
                CompressionMethod.of("int4", CompressionOptions.defaults()), ProgressListener.NONE);
        assertThat(report.tensors()).filteredOn(t -> t.name().equals("W")).singleElement().satisfies(t -> {
            assertThat(t.method()).isEqualTo("int4");
            assertThat(t.encoding()).contains("float32 scales: a block scale of about").contains("exceeds float16's range");
        });
        GraphProto graph = OnnxModel.read(dir.resolve("huge-int4.onnx")).proto().getGraph();
        NodeProto product = graph.getNodeList().stream().filter(n -> n.getOpType().equals("MatMulNBits")).findFirst()
                .orElseThrow();
        assertThat(initializer(graph, product.getInput(2)).getDataType()).isEqualTo(DataType.FLOAT_VALUE);
        assertThat(report.outputs().getFirst().cosineMean()).isGreaterThan(0.97);
    }

    @Test
    void scaleStorageFollowsTheValueTypeAndFloat16sRange() {
        float[] typical = gaussian(64 * 8, 0.02f, 34);
        assertThat(NBitsEncodings.scaleType(DataType.FLOAT_VALUE, typical, 64, 8, 32, 4, 17))
                .isEqualTo(new NBitsEncodings.ScaleStorage(DataType.FLOAT16_VALUE, null));
        assertThat(NBitsEncodings.scaleType(DataType.FLOAT16_VALUE, typical, 64, 8, 32, 4, 17))
                .isEqualTo(new NBitsEncodings.ScaleStorage(DataType.FLOAT16_VALUE, null));

        float[] tiny = scaled(typical, 1e-5f);
        assertThat(NBitsEncodings.scaleType(DataType.FLOAT_VALUE, tiny, 64, 8, 32, 4, 17).fallback())
                .contains("below float16's smallest normal value");
        // one block of tiny values among normal ones loses only its own tiny error: float16 still
        float[] mixed = typical.clone();
        for (int row = 0; row < 32; row++) {
            mixed[row * 8] *= 1e-5f;
        }
        assertThat(NBitsEncodings.scaleType(DataType.FLOAT_VALUE, mixed, 64, 8, 32, 4, 17).type())
                .isEqualTo(DataType.FLOAT16_VALUE);
        float[] huge = typical.clone();
        huge[5] = 1e7f;
        assertThat(NBitsEncodings.scaleType(DataType.FLOAT_VALUE, huge, 64, 8, 32, 8, 17).fallback())
                .contains("exceeds float16's range");
        assertThat(NBitsEncodings.scaleType(DataType.FLOAT_VALUE, typical, 64, 8, 32, 4, 5).fallback())
                .contains("opset 5");
        float[] nan = typical.clone();
        nan[7] = Float.NaN;
        assertThat(NBitsEncodings.scaleType(DataType.FLOAT_VALUE, nan, 64, 8, 32, 4, 17).type())
                .isEqualTo(DataType.FLOAT_VALUE);
    }

    /** The stored bytes of every tensor, ascending. */
    private static List<Long> storedBytes(FidelityReport report) {
        return report.tensors().stream().map(FidelityReport.TensorReport::compressedBytes).sorted().toList();
    }

    private static float[] gaussian(int count, float sigma, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian() * sigma;
        }
        return values;
    }

    private static float[] scaled(float[] values, float factor) {
        float[] out = values.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= factor;
        }
        return out;
    }

    /** The input of the {@code Cast(to)} node producing {@code value}. */
    private static String castInput(GraphProto graph, String value, int to) {
        NodeProto cast = graph.getNodeList().stream().filter(n -> n.getOutputList().contains(value)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing produces " + value));
        assertThat(cast.getOpType()).isEqualTo("Cast");
        assertThat(cast.getAttribute(0).getI()).isEqualTo(to);
        return cast.getInput(0);
    }

    private static long elements(TensorProto tensor) {
        return tensor.getDimsList().stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
    }

    private static TensorProto initializer(GraphProto graph, String name) {
        return graph.getInitializerList().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no initializer " + name));
    }

    /**
     * Logits of one window with ONNX Runtime's basic optimizations (which fold the Casts of initializers) and with none
     * (the Casts run) agree to float rounding. Not the extended level: it turns an int8 DequantizeLinear+MatMul into a
     * kernel that also quantizes activations, another computation.
     */
    private static void assertRunsAlikeWithAndWithoutOptimizations(Path model) throws OrtException {
        float[] optimized = logits(model, OrtSession.SessionOptions.OptLevel.BASIC_OPT);
        float[] plain = logits(model, OrtSession.SessionOptions.OptLevel.NO_OPT);
        assertThat(plain).hasSameSizeAs(optimized);
        double largest = 0;
        for (int i = 0; i < plain.length; i++) {
            assertThat(Float.isFinite(plain[i])).isTrue();
            largest = Math.max(largest, Math.abs(plain[i] - optimized[i]));
        }
        assertThat(largest).as("max |Δlogit| between optimized and plain sessions").isLessThan(1e-3);
    }

    private static float[] logits(Path model, OrtSession.SessionOptions.OptLevel level) throws OrtException {
        long[] ids = {1, 7, 42, 300, 5, 99, 511, 0};
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(level);
            try (OrtSession session = ENV.createSession(model.toString(), options);
                 OnnxTensor input = OnnxTensor.createTensor(ENV, LongBuffer.wrap(ids), new long[]{1, ids.length});
                 OrtSession.Result result = session.run(Map.of("input_ids", input))) {
                FloatBuffer values = ((OnnxTensor) result.get("logits").orElseThrow()).getFloatBuffer();
                float[] out = new float[values.remaining()];
                values.get(out);
                return out;
            }
        }
    }
}
