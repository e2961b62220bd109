package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.TensorCodec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The im2col patch statistics ONNX Runtime computes for a Conv ({@link ActivationStatistics#convPatches}) equal the
 * patches taken in Java by the definition of a convolution (stride, zero padding, dilation, groups), at an opset with
 * {@code ReduceSum} axes as an attribute and one with them as an input.
 */
class ConvPatchStatisticsTest {

    private static final int C = 4;
    private static final int H = 7;
    private static final int W = 6;
    private static final int GROUPS = 2;
    private static final int KERNEL = 3;
    private static final int STRIDE = 2;
    private static final int PAD = 1;
    private static final int DILATION = 1;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(ints = {11, 17})
    void patchSumsEqualTheJavaIm2colOfTheSamples(int opset) throws IOException {
        Path model = dir.resolve("conv.onnx");
        Files.write(model, conv(opset).toByteArray());
        Random random = new Random(3);
        float[][] samples = new float[3][C * H * W];
        for (int s = 0; s < samples.length; s++) {
            for (int i = 0; i < samples[s].length; i++) {
                samples[s][i] = (float) random.nextGaussian() + 0.5f;
            }
            Npy.write(Files.createDirectories(dir.resolve("calibration/" + s)).resolve("X.npy"),
                    NpyArray.ofFloats(samples[s], 1, C, H, W));
        }
        String name = ActivationStatistics.convPatches("Y");
        Map<String, ActivationStatistics.SecondMoment> stats = ActivationStatistics.collect(OnnxModel.read(model),
                Set.of(name), new CalibrationSettings(0, 0, dir.resolve("calibration")), ProgressListener.NONE);

        ActivationStatistics.SecondMoment moment = stats.get(name);
        int perGroup = C / GROUPS;
        int features = perGroup * KERNEL * KERNEL;
        int outH = (H + 2 * PAD - KERNEL) / STRIDE + 1;
        int outW = (W + 2 * PAD - KERNEL) / STRIDE + 1;
        assertThat(moment.groups()).isEqualTo(GROUPS);
        assertThat(moment.features()).isEqualTo(features);
        assertThat(moment.rows()).isEqualTo((long) samples.length * outH * outW);
        double[] xtx = new double[GROUPS * features * features];
        double[] sums = new double[GROUPS * features];
        for (float[] x : samples) {
            for (int g = 0; g < GROUPS; g++) {
                for (int oy = 0; oy < outH; oy++) {
                    for (int ox = 0; ox < outW; ox++) {
                        double[] patch = new double[features];
                        for (int c = 0; c < perGroup; c++) {
                            for (int ky = 0; ky < KERNEL; ky++) {
                                for (int kx = 0; kx < KERNEL; kx++) {
                                    int y = oy * STRIDE - PAD + ky * DILATION;
                                    int xx = ox * STRIDE - PAD + kx * DILATION;
                                    boolean inside = y >= 0 && y < H && xx >= 0 && xx < W;
                                    patch[(c * KERNEL + ky) * KERNEL + kx] =
                                            inside ? x[((g * perGroup + c) * H + y) * W + xx] : 0;
                                }
                            }
                        }
                        for (int a = 0; a < features; a++) {
                            sums[g * features + a] += patch[a];
                            for (int b = 0; b < features; b++) {
                                xtx[(g * features + a) * features + b] += patch[a] * patch[b];
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < xtx.length; i++) {
            assertThat(moment.xtx()[i]).as("xtx[%d]", i).isCloseTo(xtx[i], within(1e-3 * (1 + Math.abs(xtx[i]))));
        }
        for (int i = 0; i < sums.length; i++) {
            assertThat(moment.sums()[i]).as("sums[%d]", i).isCloseTo(sums[i], within(1e-3 * (1 + Math.abs(sums[i]))));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {11, 17})
    void aConvTransposeWithOneTapPerPixelObservesItsInputChannels(int opset) throws IOException {
        Path model = dir.resolve("transposed.onnx");
        GraphProto graph = conv(opset).getGraph().toBuilder().clearNode().clearInitializer().clearOutput()
                .addInitializer(TensorProto.newBuilder().setName("W").setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(C).addDims(2).addDims(2).addDims(2)
                        .setRawData(ByteString.copyFrom(TensorCodec.toFloatBytes(new float[C * 2 * 4]))))
                .addNode(NodeProto.newBuilder().setOpType("ConvTranspose").setName("up").addInput("X").addInput("W")
                        .addOutput("Y").addAttribute(ints("kernel_shape", 2, 2)).addAttribute(ints("strides", 2, 2)))
                .addOutput(value("Y", 1, 2, 2 * H, 2 * W)).build();
        Files.write(model, conv(opset).toBuilder().setGraph(graph).build().toByteArray());
        Random random = new Random(8);
        float[][] samples = new float[2][C * H * W];
        for (int s = 0; s < samples.length; s++) {
            for (int i = 0; i < samples[s].length; i++) {
                samples[s][i] = (float) random.nextGaussian() - 0.25f;
            }
            Npy.write(Files.createDirectories(dir.resolve("up/" + s)).resolve("X.npy"),
                    NpyArray.ofFloats(samples[s], 1, C, H, W));
        }
        String name = ActivationStatistics.convPatches("Y");
        ActivationStatistics.SecondMoment moment = ActivationStatistics.collect(OnnxModel.read(model), Set.of(name),
                new CalibrationSettings(0, 0, dir.resolve("up")), ProgressListener.NONE).get(name);

        assertThat(moment.groups()).isEqualTo(1);
        assertThat(moment.features()).isEqualTo(C);
        assertThat(moment.rows()).isEqualTo(2L * H * W);
        for (int a = 0; a < C; a++) {
            double sum = 0;
            for (float[] x : samples) {
                for (int p = 0; p < H * W; p++) {
                    sum += x[a * H * W + p];
                }
            }
            assertThat(moment.sums()[a]).isCloseTo(sum, within(1e-3));
            for (int b = 0; b < C; b++) {
                double xtx = 0;
                for (float[] x : samples) {
                    for (int p = 0; p < H * W; p++) {
                        xtx += (double) x[a * H * W + p] * x[b * H * W + p];
                    }
                }
                assertThat(moment.xtx()[a * C + b]).isCloseTo(xtx, within(1e-3 * (1 + Math.abs(xtx))));
            }
        }
    }

    /** {@code Y = Conv(X[1,4,7,6], W[6,2,3,3], B)} with group 2, stride 2, pads 1. */
    private static ModelProto conv(int opset) {
        Random random = new Random(5);
        float[] w = new float[6 * 2 * KERNEL * KERNEL];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        GraphProto graph = GraphProto.newBuilder().setName("conv")
                .addInput(value("X", 1, C, H, W))
                .addOutput(value("Y", 1, 6, (H + 2 * PAD - KERNEL) / STRIDE + 1, (W + 2 * PAD - KERNEL) / STRIDE + 1))
                .addInitializer(TensorProto.newBuilder().setName("W").setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(6).addDims(C / GROUPS).addDims(KERNEL).addDims(KERNEL)
                        .setRawData(ByteString.copyFrom(TensorCodec.toFloatBytes(w))))
                .addInitializer(TensorProto.newBuilder().setName("B").setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .addDims(6).setRawData(ByteString.copyFrom(TensorCodec.toFloatBytes(new float[6]))))
                .addNode(NodeProto.newBuilder().setOpType("Conv").setName("conv").addInput("X").addInput("W").addInput("B")
                        .addOutput("Y")
                        .addAttribute(ints("kernel_shape", KERNEL, KERNEL))
                        .addAttribute(ints("strides", STRIDE, STRIDE))
                        .addAttribute(ints("pads", PAD, PAD, PAD, PAD))
                        .addAttribute(ints("dilations", DILATION, DILATION))
                        .addAttribute(AttributeProto.newBuilder().setName("group").setType(AttributeProto.AttributeType.INT)
                                .setI(GROUPS)))
                .build();
        return ModelProto.newBuilder().setIrVersion(7).setProducerName("test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset)).setGraph(graph).build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }

    private static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
