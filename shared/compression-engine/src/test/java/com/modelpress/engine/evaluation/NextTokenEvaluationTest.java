package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.modelpress.contracts.FidelityReport.LanguageModelFidelity;
import com.modelpress.contracts.FidelityReport.NextTokenFidelity;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.testing.CachedDecoderFixtures;
import com.modelpress.engine.testing.CachedDecoderFixtures.Shape;
import com.modelpress.engine.testing.IndependentNextTokenMetrics;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

class NextTokenEvaluationTest {

    private static final int STEPS = 4;

    @TempDir
    Path dir;

    @Test
    void synthesisedSamplesOfADecoderArePrefillWindowsWithAnEmptyCache() throws Exception {
        Path model = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small(), 1), dir.resolve("decoder.onnx"));

        Samples samples = SyntheticInputs.synthesise(inputs(model), GraphFacts.read(model), 3, 7);

        assertThat(samples.samples()).hasSize(3);
        Map<String, NpyArray> first = samples.samples().getFirst().inputs();
        assertThat(first.get("input_ids").shape()).containsExactly(1, SyntheticInputs.SEQUENCE_LENGTH);
        assertThat(first.get("attention_mask").shape()).containsExactly(1, SyntheticInputs.SEQUENCE_LENGTH);
        assertThat(first.get("attention_mask").toLongs()).containsOnly(1);
        assertThat(first.get("position_ids").toLongs()).startsWith(0, 1, 2).endsWith(SyntheticInputs.SEQUENCE_LENGTH - 1);
        assertThat(first.get("past_key_values.1.value").shape()).containsExactly(1, 2, 0, 16);
        assertThat(java.util.Arrays.stream(first.get("input_ids").toLongs())).allMatch(id -> id >= 0 && id < 256);
        assertThat(samples.description()).anyMatch(line -> line.contains("4 KV-cache inputs") && line.contains("[1,2,0,16]"));
    }

    @Test
    void identicalDecodersAgreeAtEveryPrefillPositionAndDecodeStep() {
        Path model = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small(), 1), dir.resolve("a.onnx"));
        Path copy = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small(), 1), dir.resolve("b.onnx"));

        EvaluationResult result = FidelityEvaluator.evaluate(model, copy, settings(3).withDecodeSteps(STEPS),
                ProgressListener.NONE);

        LanguageModelFidelity lm = result.languageModel();
        assertThat(result.model().kind()).isEqualTo("decoder-lm");
        assertThat(lm.source()).isEqualTo("synthesised");
        assertThat(lm.prefill().positions()).isEqualTo(3L * SyntheticInputs.SEQUENCE_LENGTH);
        assertThat(lm.decode().positions()).isEqualTo(3L * STEPS);
        for (NextTokenFidelity phase : List.of(lm.prefill(), lm.decode())) {
            assertThat(phase.klMean()).isZero();
            assertThat(phase.klMax()).isZero();
            assertThat(phase.sameTop1()).isEqualTo(1);
            assertThat(phase.top5Overlap()).isEqualTo(1);
            assertThat(phase.perplexityOriginal()).as("no true tokens in random ids").isNull();
            assertThat(phase.band()).isEqualTo("Q8_0");
        }
        assertThat(result.outputs()).extracting(o -> o.name()).contains("logits", "present.0.key", "present.1.value");
    }

    @Test
    void onTextPerplexityAndKlMatchAnIndependentComputation() throws Exception {
        ModelProto original = CachedDecoderFixtures.decoder(Shape.small(), 1);
        Path model = OnnxFixtures.write(original, dir.resolve("a.onnx"));
        Path noisy = OnnxFixtures.write(OnnxFixtures.withNoise(original, 0.01, 2), dir.resolve("b.onnx"));
        TokenizedText text = text(4000, 5);
        EvaluationSettings settings = settings(6).onText(text, 6, 48).withDecodeSteps(STEPS);

        LanguageModelFidelity lm = FidelityEvaluator.evaluate(model, noisy, settings, ProgressListener.NONE)
                .languageModel();

        Samples samples = NextTokenEvaluation.samples(inputs(model), GraphFacts.read(model), settings);
        List<long[]> windows = new ArrayList<>();
        samples.samples().forEach(sample -> windows.add(sample.inputs().get("input_ids").toLongs()));
        IndependentNextTokenMetrics.Result expected = IndependentNextTokenMetrics.compute(model, noisy, windows,
                samples.continuations(), STEPS);
        assertThat(lm.source()).isEqualTo("text");
        assertThat(lm.windows()).isEqualTo(6);
        assertThat(lm.prefill().positions()).isEqualTo(expected.prefillPositions()).isEqualTo(6 * 48);
        assertThat(lm.decode().positions()).isEqualTo(expected.decodePositions()).isEqualTo(6 * STEPS);
        assertThat(lm.prefill().klMean()).isGreaterThan(1e-4).isCloseTo(expected.prefillKl(), within(0.05 * expected.prefillKl()));
        assertThat(lm.decode().klMean()).isCloseTo(expected.decodeKl(), within(0.05 * expected.decodeKl()));
        assertThat(lm.prefill().perplexityOriginal()).isCloseTo(expected.pplOriginal(), within(0.05 * expected.pplOriginal()));
        assertThat(lm.prefill().perplexityCompressed()).isCloseTo(expected.pplCompressed(),
                within(0.05 * expected.pplCompressed()));
        assertThat(lm.prefill().lnPerplexityRatio()).isCloseTo(
                Math.log(expected.pplCompressed() / expected.pplOriginal()), within(1e-6 + 0.05 * Math.abs(
                        Math.log(expected.pplCompressed() / expected.pplOriginal()))));
        assertThat(lm.prefill().klMedian()).isLessThanOrEqualTo(lm.prefill().klP99());
        assertThat(lm.prefill().klP99()).isLessThanOrEqualTo(lm.prefill().klMax());
        assertThat(lm.prefill().rmsDeltaP()).isGreaterThan(0);
        assertThat(lm.prefill().sameTop1()).isBetween(0.0, 1.0);
    }

    @Test
    void textWindowsAreSpreadOverTheTextAndCarryTheTokensAfterThem() throws Exception {
        Path model = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small(), 1), dir.resolve("decoder.onnx"));
        TokenizedText text = text(1000, 3);

        Samples samples = TextSamples.of(inputs(model), GraphFacts.read(model), text, 32, 5, 4);

        // 1000 tokens hold 27 windows of 32 + 5; four of them, evenly spread: windows 0, 6, 13 and 20
        long[] stream = text.stream();
        assertThat(samples.samples()).hasSize(4);
        assertThat(samples.text().windows()).isEqualTo(4);
        assertThat(samples.text().context()).isEqualTo(32);
        int[] offsets = {0, 6 * 37, 13 * 37, 20 * 37};
        for (int i = 0; i < 4; i++) {
            long[] window = samples.samples().get(i).inputs().get("input_ids").toLongs();
            assertThat(window).containsExactly(java.util.Arrays.copyOfRange(stream, offsets[i], offsets[i] + 32));
            assertThat(samples.continuation(i)).containsExactly(
                    java.util.Arrays.copyOfRange(stream, offsets[i] + 32, offsets[i] + 37));
            assertThat(samples.samples().get(i).inputs().get("past_key_values.0.key").elements()).isZero();
        }
    }

    @Test
    void textThatIsTooShortOrOutsideTheVocabularyIsRefused() throws Exception {
        Path model = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small(), 1), dir.resolve("decoder.onnx"));
        GraphFacts facts = GraphFacts.read(model);

        assertThatThrownBy(() -> TextSamples.of(inputs(model), facts, text(20, 1), 32, 5, 4))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("has 20 tokens; one window needs 37");
        TokenizedText foreign = new TokenizedText("foreign.txt", "%064x".formatted(1), new long[] {1, 2, 999, 3, 4, 5}, new long[0], List.of());
        assertThatThrownBy(() -> TextSamples.of(inputs(model), facts, foreign, 4, 0, 1))
                .isInstanceOf(InvalidModelException.class).hasMessageContaining("id 999, outside the model's vocabulary of 256");
    }

    @Test
    void decoderWithoutACacheIsScoredOnPrefillOnly() {
        Path model = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small().withoutCache().withoutPositionIds(), 1),
                dir.resolve("a.onnx"));
        Path noisy = OnnxFixtures.write(OnnxFixtures.withNoise(CachedDecoderFixtures.decoder(
                Shape.small().withoutCache().withoutPositionIds(), 1), 0.01, 2), dir.resolve("b.onnx"));

        EvaluationResult result = FidelityEvaluator.evaluate(model, noisy, settings(2), ProgressListener.NONE);

        assertThat(result.languageModel().decode()).isNull();
        assertThat(result.languageModel().decodeSteps()).isZero();
        assertThat(result.languageModel().prefill().klMean()).isGreaterThan(0);
        assertThat(result.notes()).anyMatch(note -> note.contains("no decode steps (no KV cache)"));
    }

    @Test
    void groupQueryAttentionDecoderGetsSeqlensAndTotalLengthAndDecodes() throws Exception {
        Path model = OnnxFixtures.write(CachedDecoderFixtures.groupQueryAttention(Shape.small(), 1), dir.resolve("gqa.onnx"));
        Path noisy = OnnxFixtures.write(OnnxFixtures.withNoise(CachedDecoderFixtures.groupQueryAttention(Shape.small(), 1),
                0.01, 2), dir.resolve("gqa-noisy.onnx"));

        Samples samples = SyntheticInputs.synthesise(inputs(model), GraphFacts.read(model), 1, 7);
        assertThat(samples.samples().getFirst().inputs().get("seqlens_k").toLongs())
                .containsExactly(SyntheticInputs.SEQUENCE_LENGTH - 1);
        assertThat(samples.samples().getFirst().inputs().get("total_sequence_length").shape()).isEmpty();

        LanguageModelFidelity lm = FidelityEvaluator.evaluate(model, noisy, settings(2).withDecodeSteps(STEPS),
                ProgressListener.NONE).languageModel();
        assertThat(lm.decode().positions()).isEqualTo(2L * STEPS);
        assertThat(lm.prefill().klMean()).isGreaterThan(0);
        assertThat(lm.decode().klMean()).isGreaterThan(0);
    }

    @Test
    void calibrationSamplesOfADecoderAreValidPrefillWindows() throws Exception {
        ModelProto decoder = CachedDecoderFixtures.decoder(Shape.small(), 1);
        Path model = OnnxFixtures.write(decoder, dir.resolve("decoder.onnx"));
        OnnxModel source = OnnxModel.read(model);
        // the activation every MatMul of the last block's MLP reads
        Set<String> initializers = new java.util.HashSet<>();
        decoder.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        String activation = decoder.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("MatMul") && n.getInput(1).equals("model.layers.1.down_proj"))
                .findFirst().orElseThrow().getInput(0);

        Map<String, ActivationStatistics.SecondMoment> synthesised = ActivationStatistics.collect(source,
                Set.of(activation), CalibrationSettings.synthesised(7), ProgressListener.NONE);
        CalibrationSettings onText = CalibrationSettings.onText(text(2000, 9), 5, 40);
        Map<String, ActivationStatistics.SecondMoment> fromText = ActivationStatistics.collect(source,
                Set.of(activation), onText, ProgressListener.NONE);

        assertThat(synthesised.get(activation).rows()).isEqualTo((long) CalibrationSettings.DEFAULT_SAMPLES
                * SyntheticInputs.SEQUENCE_LENGTH);
        assertThat(fromText.get(activation).rows()).isEqualTo(5L * 40);
        assertThat(initializers).contains("model.layers.1.down_proj");
        assertThat(onText.textInfo(model)).hasValueSatisfying(info -> {
            assertThat(info.windows()).isEqualTo(5);
            assertThat(info.context()).isEqualTo(40);
        });
    }

    private static TokenizedText text(int tokens, long seed) {
        Random random = new Random(seed);
        long[] stream = new long[tokens];
        for (int i = 0; i < tokens; i++) {
            // a skewed distribution, so that a model has something to get right or wrong
            stream[i] = Math.min(255, (long) Math.abs(random.nextGaussian() * 40));
        }
        return new TokenizedText("text-" + seed + ".txt", "%064x".formatted(seed), stream, new long[0], List.of());
    }

    private static EvaluationSettings settings(int samples) {
        return new EvaluationSettings(samples, 7, null, 0, Map.of());
    }

    private static List<InputSpec> inputs(Path model) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toString())) {
            List<InputSpec> inputs = new ArrayList<>();
            for (NodeInfo input : session.getInputInfo().values()) {
                inputs.add(InputSpec.of(input));
            }
            return inputs;
        }
    }
}
