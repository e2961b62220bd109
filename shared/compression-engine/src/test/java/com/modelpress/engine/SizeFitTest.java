package com.modelpress.engine;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.SizeTarget;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.testing.CachedDecoderFixtures;
import com.modelpress.engine.testing.OnnxFixtures;
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
 * {@code auto} with a size on a small decoder built in code (KV cache, tied embedding and head): the written model is
 * at or under the size, mixes widths, runs in ONNX Runtime, and the same inputs give the same model.
 */
class SizeFitTest {

    static final EvaluationSettings EVALUATION = new EvaluationSettings(4, 7, null, 0, Map.of()).withDecodeSteps(2);

    @TempDir
    Path dir;

    Path input;
    long originalBytes;

    @BeforeEach
    void writeTheDecoder() throws IOException {
        input = OnnxFixtures.write(CachedDecoderFixtures.decoder(CachedDecoderFixtures.Shape.small().tiedEmbeddings(), 3),
                dir.resolve("decoder.onnx"));
        originalBytes = Files.size(input);
    }

    @Test
    void theModelIsAtOrUnderTheSizeMixesWidthsAndRunsInOnnxRuntime() throws IOException, OrtException {
        long target = (long) (originalBytes * 0.15);
        Path output = dir.resolve("fit.onnx");
        FidelityReport report = compress(size(target + "B", null), output);

        long written = Files.size(output) + (Files.exists(dir.resolve("fit.onnx.data")) ? Files.size(dir.resolve("fit.onnx.data")) : 0);
        assertThat(written).isLessThanOrEqualTo(target).isEqualTo(report.sizes().compressedBytes());
        FidelityReport.AutoOutcome auto = report.auto();
        assertThat(auto.targetMet()).isTrue();
        assertThat(auto.missedBy()).isEmpty();
        assertThat(auto.evaluations()).isPositive().isLessThanOrEqualTo(auto.maxEvaluations());
        assertThat(auto.stoppedEarly()).isNull();
        FidelityReport.SizeFit fit = auto.fit();
        assertThat(fit.metric()).isEqualTo("kl");
        assertThat(fit.bytes()).isEqualTo(written);
        assertThat(fit.measured()).isNotNull().isPositive();
        // at 0.15 of fp32 (4.8 bits per weight) neither all-2-bit nor all-8-bit fits: the widths are mixed
        assertThat(fit.widths()).extracting(FidelityReport.TensorWidth::bits).contains(2).containsAnyOf(4, 8);
        assertThat(fit.curve()).hasSizeGreaterThan(2)
                .isSortedAccordingTo(java.util.Comparator.comparingLong(FidelityReport.CurvePoint::bytes));
        assertThat(fit.curve().getFirst().predicted()).isGreaterThanOrEqualTo(fit.curve().getLast().predicted());
        assertThat(report.tensors()).extracting(FidelityReport.TensorReport::method).contains("int2");
        // a float32 graph: every width's block scales are stored as float16 (MatMulNBits reads them through a Cast)
        ai.onnx.proto.OnnxMl.GraphProto graph = com.modelpress.engine.graph.OnnxModel.read(output).proto().getGraph();
        java.util.Map<String, Integer> stored = new java.util.HashMap<>();
        graph.getInitializerList().forEach(t -> stored.put(t.getName(), t.getDataType()));
        java.util.Map<String, String> castFrom = new java.util.HashMap<>();
        graph.getNodeList().stream().filter(n -> n.getOpType().equals("Cast"))
                .forEach(n -> castFrom.put(n.getOutput(0), n.getInput(0)));
        List<String> scales = graph.getNodeList().stream()
                .filter(n -> n.getOpType().equals("MatMulNBits") || n.getOpType().equals("GatherBlockQuantized"))
                .map(n -> n.getInput(2)).map(name -> castFrom.getOrDefault(name, name)).toList();
        assertThat(scales).isNotEmpty().allSatisfy(name ->
                assertThat(stored.get(name)).as(name).isEqualTo(ai.onnx.proto.OnnxMl.TensorProto.DataType.FLOAT16_VALUE));
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(output.toString(), new OrtSession.SessionOptions())) {
            assertThat(session.getOutputNames()).contains("logits");
        }
    }

    @Test
    void atTheSizeOfUniformInt4TheFitIsMoreFaithfulThanUniformInt4() throws IOException, OrtException {
        Path int4Output = dir.resolve("int4.onnx");
        FidelityReport int4 = new ModelCompressor(EVALUATION, new CalibrationSettings(8, 11, null)).compress(input,
                int4Output, CompressionMethod.of("int4", CompressionOptions.defaults()), ProgressListener.NONE);
        long int4Bytes = int4.sizes().compressedBytes();
        Path output = dir.resolve("at-int4.onnx");
        FidelityReport fit = compress(size(int4Bytes + "B", null), output);

        assertThat(fit.sizes().compressedBytes()).isLessThanOrEqualTo(int4Bytes);
        assertThat(fit.auto().targetMet()).isTrue();
        double int4Kl = int4.languageModel().prefill().klMean();
        double fitKl = fit.languageModel().prefill().klMean();
        assertThat(fitKl).isLessThan(int4Kl);
        assertThat(fit.auto().fit().measured()).isEqualTo(fitKl);
        // every uniform plan that fits (int4's layout among them) measured whole, the kept plan no worse than any
        List<FidelityReport.AutoCandidate> candidates = fit.autoCandidates();
        List<FidelityReport.AutoCandidate> uniform = candidates.stream().filter(c -> c.label().startsWith("uniform"))
                .toList();
        assertThat(uniform).extracting(FidelityReport.AutoCandidate::label)
                .anySatisfy(label -> assertThat(label).startsWith("uniform 4-bit/32"));
        FidelityReport.AutoCandidate chosen = candidates.stream().filter(FidelityReport.AutoCandidate::chosen)
                .findFirst().orElseThrow();
        assertThat(uniform).allSatisfy(u -> assertThat(chosen.klMean()).isLessThanOrEqualTo(u.klMean()));
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(output.toString(), new OrtSession.SessionOptions())) {
            assertThat(session.getOutputNames()).contains("logits");
        }
    }

    @Test
    void theSameInputsGiveTheSameModel() throws IOException {
        CompressionMethod.Auto method = size("0.2x", null);
        FidelityReport first = compress(method, dir.resolve("a.onnx"));
        FidelityReport second = compress(method, dir.resolve("b.onnx"));
        assertThat(second.outputSha256()).isEqualTo(first.outputSha256());
        assertThat(second.auto().fit().widths()).isEqualTo(first.auto().fit().widths());
    }

    @Test
    void aBitsPerWeightTargetHoldsAndAFidelityFloorGivenWithItIsReportedWhenMissed() throws IOException {
        CompressionMethod.Auto method = CompressionMethod.auto(CompressionOptions.defaults(),
                new CompressionMethod.Goal(null, null, 1e-9), new CompressionMethod.Size(null, 3.0), EVALUATIONS, null);
        FidelityReport report = compress(method, dir.resolve("floor.onnx"));
        assertThat(report.bitsPerWeight()).isLessThanOrEqualTo(3.0).isGreaterThan(2.0);
        assertThat(report.auto().targetMet()).isFalse();
        assertThat(report.auto().missedBy()).singleElement().asString().startsWith("KL ").contains("times the bound");
    }

    @Test
    void aSizeBelowTheTwoBitFloorIsRefusedBeforeAnyWork() {
        Path output = dir.resolve("tiny.onnx");
        assertThatThrownBy(() -> compress(size((originalBytes / 40) + "B", null), output))
                .isInstanceOf(SizeTargetException.class)
                .hasMessageContaining("the smallest it can be made is about")
                .hasMessageContaining("2 bits");
        assertThat(output).doesNotExist();
    }

    @Test
    void aSmallEvaluationBudgetMeasuresFewerWidths() throws IOException {
        CompressionMethod.Auto method = CompressionMethod.auto(CompressionOptions.defaults(), null,
                new CompressionMethod.Size(SizeTarget.parse("0.2x"), null), 20, null);
        FidelityReport report = compress(method, dir.resolve("budget.onnx"));
        assertThat(report.auto().evaluations()).isLessThanOrEqualTo(20);
        assertThat(report.notes()).anySatisfy(n -> assertThat(n).contains("not measured"));
        assertThat(report.sizes().compressedBytes()).isLessThanOrEqualTo((long) (originalBytes * 0.2));
    }

    @Test
    void aRoundWorseThanTheBestSendsThePlanBackToTheBestWithTheRejectedWidthsAtTheirMeasuredCost() {
        WidthPlanner.Option two = new WidthPlanner.Option(2, 128, 60, 0);
        WidthPlanner.Option four = new WidthPlanner.Option(4, 128, 100, 0);
        WidthPlanner.Option eight = new WidthPlanner.Option(8, 128, 180, 0);
        Map<String, WidthPlanner.Option> best = new java.util.LinkedHashMap<>();
        for (String name : java.util.List.of("a", "b", "c")) {
            best.put(name, four);
        }
        // measured one at a time around the best: 2 bits costs little, c at 8 bits saves more than both cost
        Map<String, Map<String, Double>> frame = new java.util.HashMap<>();
        frame.put("a", new java.util.HashMap<>(Map.of(four.label(), 0.0, two.label(), 0.001)));
        frame.put("b", new java.util.HashMap<>(Map.of(four.label(), 0.0, two.label(), 0.001)));
        frame.put("c", new java.util.HashMap<>(Map.of(four.label(), 0.0, eight.label(), -0.003)));
        Map<String, WidthPlanner.Option> rejected = Map.of("a", two, "b", two, "c", eight);
        java.util.List<WidthPlanner.Option> ladder = java.util.List.of(two, four, eight);
        assertThat(labels(WidthPlanner.plan(tensors(frame, ladder), 300).choice())).isEqualTo(labels(rejected));

        // that plan measured whole: +0.03, not -0.001
        SizeFit.penalise(frame, best, rejected, 0.03);

        WidthPlanner.Plan next = WidthPlanner.plan(tensors(frame, ladder), 300);
        double rejectedNow = frame.get("a").get(two.label()) + frame.get("b").get(two.label())
                + frame.get("c").get(eight.label());
        assertThat(rejectedNow).isEqualTo(0.03, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(labels(next.choice())).isEqualTo(labels(best));
        assertThat(frame.get("a").get(four.label())).isZero();

        // a plan measured no worse than predicted changes nothing
        Map<String, Map<String, Double>> before = new java.util.HashMap<>();
        frame.forEach((name, values) -> before.put(name, new java.util.HashMap<>(values)));
        SizeFit.penalise(frame, best, rejected, 0.01);
        assertThat(frame).isEqualTo(before);
    }

    private static Map<String, String> labels(Map<String, WidthPlanner.Option> choice) {
        Map<String, String> labels = new java.util.TreeMap<>();
        choice.forEach((name, option) -> labels.put(name, option.label()));
        return labels;
    }

    @Test
    void symmetricFourBitRungsStoreNoZeroPointsAndSitBelowFourBitsWithThem() {
        int k = 512;
        int n = 64;
        long elements = (long) k * n;
        // float16 scales: 4 bits of codes, 16 bits of scale per block, 4 bits of zero point per block when stored
        assertThat(SizeFit.bytes(k, n, 4, 256, 2, true) * 8.0 / elements).isEqualTo(4 + 16.0 / 256);
        assertThat(SizeFit.bytes(k, n, 4, 128, 2, true) * 8.0 / elements).isEqualTo(4 + 16.0 / 128);
        assertThat(SizeFit.bytes(k, n, 4, 128, 2, false) * 8.0 / elements).isEqualTo(4 + 20.0 / 128);
        assertThat(SizeFit.bytes(k, n, 8, 128, 2, false)).isEqualTo(SizeFit.bytes(k, n, 8, 128, 2, true));
        long previous = 0;
        for (int[] rung : SizeFit.RUNGS) {
            long bytes = SizeFit.bytes(k, n, rung[0], rung[1], 2, rung[2] == 1);
            assertThat(bytes).as("rung %d/%d", rung[0], rung[1]).isGreaterThan(previous);
            previous = bytes;
        }
    }

    /** The planner's tensors from a frame: each width measured, at its damage relative to the frame's plan. */
    private static java.util.List<WidthPlanner.Tensor> tensors(Map<String, Map<String, Double>> frame,
                                                               java.util.List<WidthPlanner.Option> ladder) {
        return frame.keySet().stream().sorted().map(name -> new WidthPlanner.Tensor(name, 1000, ladder.stream()
                .filter(o -> frame.get(name).containsKey(o.label()))
                .map(o -> new WidthPlanner.Option(o.bits(), o.blockSize(), o.bytes(), frame.get(name).get(o.label())))
                .toList())).toList();
    }

    /** Few evaluations (three widths per tensor) keep these tests fast; the full tiers are the bench's business. */
    static final int EVALUATIONS = 60;

    private static CompressionMethod.Auto size(String bytes, Double bitsPerWeight) {
        return CompressionMethod.auto(CompressionOptions.defaults(), null,
                new CompressionMethod.Size(bytes == null ? null : SizeTarget.parse(bytes), bitsPerWeight), EVALUATIONS, null);
    }

    private FidelityReport compress(CompressionMethod method, Path output) throws IOException {
        return new ModelCompressor(EVALUATION, new CalibrationSettings(8, 11, null)).compress(input, output, method,
                ProgressListener.NONE);
    }
}
