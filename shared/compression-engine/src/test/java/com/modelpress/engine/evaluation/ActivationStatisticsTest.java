package com.modelpress.engine.evaluation;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ActivationStatisticsTest {

    @TempDir
    Path dir;

    @Test
    void secondMomentOfAGraphInputEqualsTheSumOverTheGivenSamples() throws IOException {
        Path model = OnnxFixtures.write(OnnxFixtures.matMul(4, 3, 1), dir.resolve("m.onnx"));
        float[][] samples = {{1, 2, 3, 4}, {0, -1, 0.5f, 2}, {3, 0, 0, -2}};
        for (int s = 0; s < samples.length; s++) {
            Npy.write(java.nio.file.Files.createDirectories(dir.resolve("calibration/" + s)).resolve("X.npy"),
                    NpyArray.ofFloats(samples[s], 1, 4));
        }
        Map<String, ActivationStatistics.SecondMoment> stats = ActivationStatistics.collect(OnnxModel.read(model),
                Set.of("X"), new CalibrationSettings(0, 0, dir.resolve("calibration")), ProgressListener.NONE);

        ActivationStatistics.SecondMoment x = stats.get("X");
        assertThat(x.rows()).isEqualTo(3);
        assertThat(x.min()).isEqualTo(-2f);
        assertThat(x.max()).isEqualTo(4f);
        assertThat(x.features()).isEqualTo(4);
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                double expected = 0;
                for (float[] sample : samples) {
                    expected += sample[a] * sample[b];
                }
                assertThat(x.xtx()[a * 4 + b]).isCloseTo(expected, within(1e-5));
            }
        }
    }

    @Test
    void observesIntermediateTensorsOfSynthesisedSamples() throws IOException {
        Path model = OnnxFixtures.write(OnnxFixtures.gatherEmbedding(100, 16, 2), dir.resolve("e.onnx"));
        OnnxModel source = OnnxModel.read(model);
        String rows = source.proto().getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("Gather"))
                .findFirst().orElseThrow().getOutput(0);
        Map<String, ActivationStatistics.SecondMoment> stats = ActivationStatistics.collect(source, Set.of(rows, "missing"),
                new CalibrationSettings(4, 9, null), ProgressListener.NONE);

        assertThat(stats).containsOnlyKeys(rows);
        assertThat(stats.get(rows).features()).isEqualTo(16);
        assertThat(stats.get(rows).rows()).isEqualTo(4L * 32);
        assertThat(stats.get(rows).xtx()[0]).isPositive();
        assertThat(List.of(stats.get(rows).xtx()[1], stats.get(rows).xtx()[16])).as("symmetric")
                .containsExactly(stats.get(rows).xtx()[16], stats.get(rows).xtx()[1]);
    }

    @Test
    void onnxRuntimeSumsEqualTheJavaSumOverUnmaskedRowsWhetherObservedAtOnceOrGroupByGroup() throws Exception {
        Path model = OnnxFixtures.write(OnnxFixtures.bertLikeEncoder(60, 16, 2, 3), dir.resolve("bert.onnx"));
        OnnxModel source = OnnxModel.read(model);
        List<String> activations = matMulActivations(source.proto().getGraph());
        assertThat(activations).hasSizeGreaterThan(6);
        Path calibration = dir.resolve("calibration");
        Random random = new Random(11);
        int[][] lengths = {{7, 4}, {7, 7}, {2, 5}};
        for (int s = 0; s < lengths.length; s++) {
            long[] ids = new long[2 * 7];
            long[] mask = new long[2 * 7];
            for (int b = 0; b < 2; b++) {
                for (int t = 0; t < 7; t++) {
                    ids[b * 7 + t] = random.nextInt(60);
                    mask[b * 7 + t] = t < lengths[s][b] ? 1 : 0;
                }
            }
            Path folder = Files.createDirectories(calibration.resolve(Integer.toString(s)));
            Npy.write(folder.resolve("input_ids.npy"), NpyArray.ofLongs(ids, 2, 7));
            Npy.write(folder.resolve("attention_mask.npy"), NpyArray.ofLongs(mask, 2, 7));
            Npy.write(folder.resolve("token_type_ids.npy"), NpyArray.ofLongs(new long[2 * 7], 2, 7));
        }
        Map<String, Reference> expected = javaSums(model, source.proto(), activations, calibration, "attention_mask");
        CalibrationSettings settings = new CalibrationSettings(0, 0, calibration);

        Map<String, ActivationStatistics.SecondMoment> atOnce = ActivationStatistics.collect(source,
                new LinkedHashSet<>(activations), settings, ProgressListener.NONE);
        Map<String, ActivationStatistics.SecondMoment> grouped = new HashMap<>();
        List<List<String>> groups = new ArrayList<>();
        for (int i = 0; i < activations.size(); i += 2) {
            groups.add(activations.subList(i, Math.min(activations.size(), i + 2)));
        }
        List<Double> fractions = new ArrayList<>();
        try (ActivationStatistics.Groups byGroup = ActivationStatistics.Groups.open(source, groups, settings,
                (step, fraction) -> fractions.add(fraction))) {
            assertThat(byGroup.maskInput()).isEqualTo("attention_mask");
            while (byGroup.hasNext()) {
                grouped.putAll(byGroup.next());
            }
        }
        assertThat(fractions).isSorted().last().isEqualTo(1.0);

        long unmasked = 7 + 4 + 7 + 7 + 2 + 5;
        for (Map<String, ActivationStatistics.SecondMoment> stats : List.of(atOnce, grouped)) {
            assertThat(stats.keySet()).containsExactlyInAnyOrderElementsOf(activations);
            for (String name : activations) {
                ActivationStatistics.SecondMoment moment = stats.get(name);
                Reference reference = expected.get(name);
                assertThat(moment.rows()).as(name).isEqualTo(unmasked).isEqualTo(reference.rows);
                assertThat(moment.min()).as(name).isCloseTo(reference.min, within(1e-5f));
                assertThat(moment.max()).as(name).isCloseTo(reference.max, within(1e-5f));
                assertThat(moment.features()).isEqualTo(reference.k);
                double scale = 0;
                for (double v : reference.xtx) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < reference.xtx.length; i++) {
                    assertThat(moment.xtx()[i]).as("%s[%d]", name, i).isCloseTo(reference.xtx[i], within(1e-5 * scale));
                }
            }
        }
    }

    @Test
    void float16ActivationsAreCastToFloatBeforeTheProduct() throws Exception {
        Path model = OnnxFixtures.write(OnnxFixtures.matMulFloat16Io(8, 4, 2), dir.resolve("f16.onnx"));
        Map<String, ActivationStatistics.SecondMoment> stats = ActivationStatistics.collect(OnnxModel.read(model),
                Set.of("X"), new CalibrationSettings(3, 5, null), ProgressListener.NONE);
        ActivationStatistics.SecondMoment x = stats.get("X");
        assertThat(x.features()).isEqualTo(8);
        assertThat(x.rows()).isEqualTo(3);
        assertThat(x.xtx()[0]).isPositive();
        assertThat(x.max()).isGreaterThan(x.min());
    }

    @Test
    void aCachedDecoderCalibratesOnTextPrefillWindowsGroupByGroupAsAtOnce() throws Exception {
        ModelProto decoder = com.modelpress.engine.testing.CachedDecoderFixtures.decoder(
                com.modelpress.engine.testing.CachedDecoderFixtures.Shape.small(), 4);
        OnnxModel source = OnnxModel.read(OnnxFixtures.write(decoder, dir.resolve("decoder.onnx")));
        List<String> activations = matMulActivations(source.proto().getGraph());
        assertThat(activations).hasSizeGreaterThan(4);
        Random random = new Random(5);
        long[] tokens = new long[3000];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = random.nextInt(256);
        }
        TokenizedText text = new TokenizedText("cal.txt", "%064x".formatted(5), tokens, new long[0], List.of());
        // 6 windows of 40 tokens, each with an empty cache and a mask of ones: every row counts
        CalibrationSettings settings = CalibrationSettings.onText(text, 6, 40);

        Map<String, ActivationStatistics.SecondMoment> atOnce = ActivationStatistics.collect(source,
                new LinkedHashSet<>(activations), settings, ProgressListener.NONE);
        Map<String, ActivationStatistics.SecondMoment> grouped = new HashMap<>();
        try (ActivationStatistics.Groups byGroup = ActivationStatistics.Groups.open(source,
                activations.stream().map(List::of).toList(), settings, ProgressListener.NONE)) {
            assertThat(byGroup.sampleCount()).isEqualTo(6);
            assertThat(byGroup.maskInput()).isEqualTo("attention_mask");
            while (byGroup.hasNext()) {
                grouped.putAll(byGroup.next());
            }
        }
        assertThat(atOnce.keySet()).containsExactlyInAnyOrderElementsOf(activations);
        for (String name : activations) {
            ActivationStatistics.SecondMoment one = atOnce.get(name);
            ActivationStatistics.SecondMoment many = grouped.get(name);
            assertThat(one.rows()).as(name).isEqualTo(6L * 40).isEqualTo(many.rows());
            assertThat(many.min()).as(name).isEqualTo(one.min());
            assertThat(many.max()).as(name).isEqualTo(one.max());
            for (int i = 0; i < one.xtx().length; i++) {
                assertThat(many.xtx()[i]).as("%s[%d]", name, i).isCloseTo(one.xtx()[i], within(1e-6 * Math.abs(one.xtx()[i]) + 1e-9));
            }
        }
    }

    /** The inputs of MatMuls whose second input is an initializer, in graph order. */
    static List<String> matMulActivations(GraphProto graph) {
        Set<String> initializers = new LinkedHashSet<>();
        graph.getInitializerList().forEach(t -> initializers.add(t.getName()));
        Set<String> names = new LinkedHashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("MatMul") && initializers.contains(node.getInput(1))) {
                names.add(node.getInput(0));
            }
        }
        return List.copyOf(names);
    }

    private record Reference(int k, double[] xtx, long rows, float min, float max) {}

    /** The reference: every activation pulled into Java and summed over the rows where the mask is 1. */
    private static Map<String, Reference> javaSums(Path modelFile, ModelProto model, List<String> names, Path samples,
                                                   String mask) throws IOException, OrtException {
        GraphProto.Builder graph = model.getGraph().toBuilder();
        for (String name : names) {
            graph.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        }
        Path exposed = OnnxFixtures.write(model.toBuilder().setGraph(graph).build(),
                modelFile.resolveSibling("exposed.onnx"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, double[]> sums = new LinkedHashMap<>();
        Map<String, long[]> rows = new HashMap<>();
        Map<String, float[]> ranges = new HashMap<>();
        Map<String, Integer> features = new HashMap<>();
        try (OrtSession session = env.createSession(exposed.toString())) {
            List<InputSpec> inputs = new ArrayList<>();
            for (var info : session.getInputInfo().values()) {
                inputs.add(InputSpec.of(info));
            }
            for (Sample sample : SampleFolders.load(samples, inputs).samples()) {
                long[] maskValues = sample.inputs().get(mask).toLongs();
                try (Feeds feeds = Feeds.of(env, session, sample);
                     OrtSession.Result result = session.run(feeds.tensors(), new LinkedHashSet<>(names))) {
                    for (String name : names) {
                        OnnxTensor tensor = (OnnxTensor) result.get(name).orElseThrow();
                        long[] shape = tensor.getInfo().getShape();
                        int k = Math.toIntExact(shape[shape.length - 1]);
                        float[] x = OrtTensors.floats(tensor).orElseThrow();
                        double[] sum = sums.computeIfAbsent(name, n -> new double[k * k]);
                        features.put(name, k);
                        float[] range = ranges.computeIfAbsent(name, n -> new float[]{Float.MAX_VALUE, -Float.MAX_VALUE});
                        for (int r = 0; r < x.length / k; r++) {
                            if (maskValues[r] == 0) {
                                continue;
                            }
                            rows.computeIfAbsent(name, n -> new long[1])[0]++;
                            for (int a = 0; a < k; a++) {
                                range[0] = Math.min(range[0], x[r * k + a]);
                                range[1] = Math.max(range[1], x[r * k + a]);
                                for (int b = 0; b < k; b++) {
                                    sum[a * k + b] += (double) x[r * k + a] * x[r * k + b];
                                }
                            }
                        }
                    }
                }
            }
        }
        Map<String, Reference> references = new HashMap<>();
        for (String name : names) {
            references.put(name, new Reference(features.get(name), sums.get(name), rows.get(name)[0],
                    ranges.get(name)[0], ranges.get(name)[1]));
        }
        return references;
    }
}
