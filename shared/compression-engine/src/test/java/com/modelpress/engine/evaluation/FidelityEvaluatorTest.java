package com.modelpress.engine.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

class FidelityEvaluatorTest {

    @TempDir
    Path dir;

    @Test
    void identicalModelsAgreeExactly() {
        Path model = write(OnnxFixtures.matMul(16, 8, 1), "a.onnx");
        Path copy = write(OnnxFixtures.matMul(16, 8, 1), "b.onnx");

        EvaluationResult result = FidelityEvaluator.evaluate(model, copy, settings(5, 7), ProgressListener.NONE);

        assertThat(result.outputs()).singleElement().satisfies(y -> {
            assertThat(y.name()).isEqualTo("Y");
            assertThat(y.cosineMean()).isCloseTo(1, within(1e-12));
            assertThat(y.cosineMin()).isCloseTo(1, within(1e-12));
            assertThat(y.maxAbsError()).isZero();
            assertThat(y.relativeL2()).isZero();
            assertThat(y.sqnrDb()).isEqualTo(OutputComparison.SQNR_CAP_DB);
            assertThat(y.vectors()).isEqualTo(5);
            assertThat(y.top1Agreement()).isNull();
            assertThat(y.klDivergence()).isNull();
        });
        assertThat(result.latency()).isNull();
        assertThat(result.info().source()).isEqualTo("synthesised");
        assertThat(result.info().samples()).isEqualTo(5);
        assertThat(result.info().description()).containsExactly(
                "X float32 [1,16]: N(0, 1), seeded", "symbolic dimensions: batch=1");
    }

    @Test
    void weightsScaledBy1Point01GiveOnePercentErrorAnd40Db() {
        ModelProto model = OnnxFixtures.matMul(16, 8, 1);
        Path original = write(model, "a.onnx");
        Path scaled = write(OnnxFixtures.scaleWeights(model, 1.01f), "b.onnx");

        OutputFidelity y = FidelityEvaluator.evaluate(original, scaled, settings(8, 7), ProgressListener.NONE)
                .outputs().getFirst();

        // every output is exactly 1.01 times the original's (up to float32 rounding)
        assertThat(y.cosineMean()).isCloseTo(1, within(1e-6));
        assertThat(y.relativeL2()).isCloseTo(0.01, within(1e-5));
        assertThat(y.sqnrDb()).isCloseTo(40, within(0.01));
        assertThat(y.maxAbsError()).isGreaterThan(0);
    }

    @Test
    void classifierMetricsMatchAnIndependentComputation() {
        int k = 16;
        int classes = 10;
        ModelProto model = OnnxFixtures.classifier(k, classes, 1);
        ModelProto noisy = OnnxFixtures.withNoise(model, 0.05, 2);
        Random random = new Random(3);
        List<float[]> inputs = new ArrayList<>();
        List<Map<String, NpyArray>> samples = new ArrayList<>();
        for (int sample = 0; sample < 4; sample++) {
            float[] x = new float[8 * k];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            inputs.add(x);
            samples.add(Map.of("X", NpyArray.ofFloats(x, 8, k)));
        }
        Path inputsDir = sampleFolders(samples);

        OutputFidelity logits = FidelityEvaluator.evaluate(write(model, "a.onnx"), write(noisy, "b.onnx"),
                new EvaluationSettings(1, 7, inputsDir, 0, Map.of()), ProgressListener.NONE).outputs().getFirst();

        Expected expected = Expected.of(inputs, k, classes, model, noisy);
        assertThat(logits.name()).isEqualTo("logits");
        assertThat(logits.vectors()).isEqualTo(32);
        assertThat(logits.cosineMean()).isCloseTo(expected.cosineMean, within(1e-5)).isLessThan(0.999);
        assertThat(logits.cosineMin()).isCloseTo(expected.cosineMin, within(1e-5));
        assertThat(logits.relativeL2()).isCloseTo(expected.relativeL2, within(1e-5));
        assertThat(logits.maxAbsError()).isCloseTo(expected.maxAbs, within(1e-4));
        assertThat(logits.sqnrDb()).isCloseTo(expected.sqnrDb, within(1e-3));
        assertThat(logits.top1Agreement()).isEqualTo(expected.top1);
        assertThat(logits.klDivergence()).isCloseTo(expected.kl, within(1e-6)).isGreaterThan(0);
        // the distributions hold every vector, and the worst one sits in the highest non-empty bin
        assertThat(logits.cosineLossHistogram().total()).isEqualTo(32);
        assertThat(logits.klHistogram().total()).isEqualTo(32);
        assertThat(LogBinsTest.highestBinHolds(logits.cosineLossHistogram(), 1 - expected.cosineMin)).isTrue();
    }

    /** Metrics computed in double precision straight from the weights, without ONNX Runtime. */
    private record Expected(double cosineMean, double cosineMin, double relativeL2, double maxAbs, double sqnrDb,
                            double top1, double kl) {

        static Expected of(List<float[]> inputs, int k, int classes, ModelProto a, ModelProto b) {
            float[] wa = OnnxFixtures.initializerValues(a, "W");
            float[] ba = OnnxFixtures.initializerValues(a, "B");
            float[] wb = OnnxFixtures.initializerValues(b, "W");
            float[] bb = OnnxFixtures.initializerValues(b, "B");
            double cosineSum = 0;
            double cosineMin = 1;
            double reference = 0;
            double error = 0;
            double maxAbs = 0;
            int agree = 0;
            double klSum = 0;
            int vectors = 0;
            for (float[] x : inputs) {
                for (int row = 0; row < x.length / k; row++) {
                    double[] ya = new double[classes];
                    double[] yb = new double[classes];
                    for (int c = 0; c < classes; c++) {
                        ya[c] = ba[c];
                        yb[c] = bb[c];
                        for (int i = 0; i < k; i++) {
                            ya[c] += x[row * k + i] * wa[i * classes + c];
                            yb[c] += x[row * k + i] * wb[i * classes + c];
                        }
                    }
                    double dot = 0;
                    double na = 0;
                    double nb = 0;
                    for (int c = 0; c < classes; c++) {
                        dot += ya[c] * yb[c];
                        na += ya[c] * ya[c];
                        nb += yb[c] * yb[c];
                        error += (ya[c] - yb[c]) * (ya[c] - yb[c]);
                        maxAbs = Math.max(maxAbs, Math.abs(ya[c] - yb[c]));
                    }
                    reference += na;
                    double cosine = dot / Math.sqrt(na * nb);
                    cosineSum += cosine;
                    cosineMin = Math.min(cosineMin, cosine);
                    agree += argmax(ya) == argmax(yb) ? 1 : 0;
                    double[] p = softmax(ya);
                    double[] q = softmax(yb);
                    for (int c = 0; c < classes; c++) {
                        klSum += p[c] * Math.log(p[c] / q[c]);
                    }
                    vectors++;
                }
            }
            return new Expected(cosineSum / vectors, cosineMin, Math.sqrt(error / reference), maxAbs,
                    10 * Math.log10(reference / error), (double) agree / vectors, klSum / vectors);
        }

        private static int argmax(double[] values) {
            int best = 0;
            for (int i = 1; i < values.length; i++) {
                best = values[i] > values[best] ? i : best;
            }
            return best;
        }

        private static double[] softmax(double[] values) {
            double max = values[argmax(values)];
            double sum = 0;
            double[] p = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                p[i] = Math.exp(values[i] - max);
                sum += p[i];
            }
            for (int i = 0; i < values.length; i++) {
                p[i] /= sum;
            }
            return p;
        }
    }

    @Test
    void positionsMaskedOutByTheAttentionMaskAreLeftOut() {
        // the two models agree exactly where attention_mask is 1 and differ wildly where it is 0
        Path original = write(OnnxFixtures.paddedEmbedding(20, 8, 1, 100), "a.onnx");
        Path compressed = write(OnnxFixtures.paddedEmbedding(20, 8, 1, 200), "b.onnx");
        Path inputsDir = sampleFolders(List.of(
                Map.of("input_ids", NpyArray.ofLongs(new long[] {3, 4, 5, 6, 7, 8}, 1, 6),
                        "attention_mask", NpyArray.ofLongs(new long[] {1, 1, 1, 1, 0, 0}, 1, 6)),
                Map.of("input_ids", NpyArray.ofLongs(new long[] {9, 1, 2, 0, 0, 0}, 1, 6),
                        "attention_mask", NpyArray.ofLongs(new long[] {1, 1, 1, 0, 0, 0}, 1, 6))));

        EvaluationResult result = FidelityEvaluator.evaluate(original, compressed,
                new EvaluationSettings(1, 7, inputsDir, 0, Map.of()), ProgressListener.NONE);

        OutputFidelity y = result.outputs().getFirst();
        assertThat(y.vectors()).isEqualTo(7);
        assertThat(y.maxAbsError()).isZero();
        assertThat(y.cosineMin()).isCloseTo(1, within(1e-12));
        assertThat(result.notes()).containsExactly("output 'Y': 5 vectors at attention_mask == 0 positions left out");
    }

    @Test
    void aMaskGivenAsBoolsIsHonoured() {
        Path original = write(OnnxFixtures.paddedEmbedding(20, 8, 1, 100), "a.onnx");
        Path compressed = write(OnnxFixtures.paddedEmbedding(20, 8, 1, 200), "b.onnx");
        Path inputsDir = sampleFolders(List.of(
                Map.of("input_ids", NpyArray.ofLongs(new long[] {3, 4, 5}, 1, 3),
                        "attention_mask", NpyArray.ofBooleans(new boolean[] {true, true, false}, 1, 3))));

        OutputFidelity y = FidelityEvaluator.evaluate(original, compressed,
                new EvaluationSettings(1, 7, inputsDir, 0, Map.of()), ProgressListener.NONE).outputs().getFirst();

        assertThat(y.vectors()).isEqualTo(2);
        assertThat(y.maxAbsError()).isZero();
    }

    @Test
    void maskThatHidesEveryPositionIsAnError() {
        Path original = write(OnnxFixtures.paddedEmbedding(20, 8, 1, 100), "a.onnx");
        Path inputsDir = sampleFolders(List.of(
                Map.of("input_ids", NpyArray.ofLongs(new long[] {3, 4}, 1, 2),
                        "attention_mask", NpyArray.ofLongs(new long[] {0, 0}, 1, 2))));

        assertThatThrownBy(() -> FidelityEvaluator.evaluate(original, original,
                new EvaluationSettings(1, 7, inputsDir, 0, Map.of()), ProgressListener.NONE))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("attention_mask is 0 at every position of output 'Y'");
    }

    @Test
    void sameSeedGivesIdenticalMetricsAndAnotherSeedDoesNot() {
        ModelProto encoder = OnnxFixtures.bertLikeEncoder(50, 16, 1, 1);
        Path original = write(encoder, "a.onnx");
        Path noisy = write(OnnxFixtures.withNoise(encoder, 0.01, 2), "b.onnx");

        EvaluationResult first = FidelityEvaluator.evaluate(original, noisy, settings(3, 7), ProgressListener.NONE);
        EvaluationResult again = FidelityEvaluator.evaluate(original, noisy, settings(3, 7), ProgressListener.NONE);
        EvaluationResult other = FidelityEvaluator.evaluate(original, noisy, settings(3, 8), ProgressListener.NONE);

        assertThat(again.outputs()).isEqualTo(first.outputs());
        assertThat(again.info()).isEqualTo(first.info());
        assertThat(other.outputs().getFirst().cosineMean()).isNotEqualTo(first.outputs().getFirst().cosineMean());
        assertThat(first.outputs().getFirst().vectors()).isEqualTo(3 * 32);
        assertThat(first.outputs().getFirst().cosineMean()).isBetween(0.9, 1.0);
    }

    @Test
    void encoderInputsAreDescribedWithTheInferredVocabulary() {
        Path encoder = write(OnnxFixtures.bertLikeEncoder(321, 16, 1, 1), "a.onnx");

        EvaluationResult result = FidelityEvaluator.evaluate(encoder, encoder, settings(1, 7), ProgressListener.NONE);

        assertThat(result.info().description()).containsExactly(
                "input_ids int64 [1,32]: token ids uniform in [0, 321) (vocab from Gather "
                        + "'embeddings.word_embeddings.weight')",
                "attention_mask int64 [1,32]: ones (attend to every position)",
                "token_type_ids int64 [1,32]: zeros",
                "symbolic dimensions: batch=1, sequence=32");
    }

    @Test
    void float16InputsAndOutputsAreConverted() {
        Path original = write(OnnxFixtures.matMul(16, 8, 1), "a.onnx");
        Path half = write(OnnxFixtures.matMulFloat16Io(16, 8, 1), "b.onnx");

        OutputFidelity y = FidelityEvaluator.evaluate(original, half, settings(4, 7), ProgressListener.NONE)
                .outputs().getFirst();

        // rounding input and output to half precision: about 11 significant bits
        assertThat(y.cosineMean()).isGreaterThan(0.99999).isLessThan(1);
        assertThat(y.sqnrDb()).isBetween(50.0, 80.0);
    }

    @Test
    void externalDataBesideTheModelIsLoaded() throws Exception {
        Path external = Files.createDirectory(dir.resolve("external"));
        Path model = OnnxFixtures.withExternalData(external, 16, 8, 1);
        Path inline = write(OnnxFixtures.matMul(16, 8, 1), "inline.onnx");

        OutputFidelity y = FidelityEvaluator.evaluate(inline, model, settings(2, 7), ProgressListener.NONE)
                .outputs().getFirst();

        assertThat(y.maxAbsError()).isZero();
    }

    @Test
    void nonFloatOutputsAreLeftOutWithANote() {
        Path model = write(OnnxFixtures.classifierWithArgMax(8, 5, 1), "a.onnx");

        EvaluationResult result = FidelityEvaluator.evaluate(model, model, settings(1, 7), ProgressListener.NONE);

        assertThat(result.outputs()).extracting(OutputFidelity::name).containsExactly("logits");
        assertThat(result.outputs().getFirst().top1Agreement()).isEqualTo(1.0);
        assertThat(result.outputs().getFirst().klDivergence()).isZero();
        assertThat(result.notes()).singleElement().asString().startsWith("output 'prediction'");
    }

    @Test
    void latencySessionOptionsAndProgressAreReported() {
        Path model = write(OnnxFixtures.matMul(16, 8, 1), "a.onnx");
        List<Double> fractions = new ArrayList<>();

        EvaluationResult result = FidelityEvaluator.evaluate(model, model,
                new EvaluationSettings(2, 7, null, 3, Map.of("session.intra_op.allow_spinning", "0")),
                (step, fraction) -> fractions.add(fraction));

        assertThat(result.latency().runs()).isEqualTo(3);
        assertThat(result.latency().executionProvider()).isEqualTo("CPU");
        assertThat(result.latency().originalMedianMs()).isPositive();
        assertThat(result.latency().ratio())
                .isEqualTo(result.latency().compressedMedianMs() / result.latency().originalMedianMs());
        assertThat(result.sessionOptions())
                .containsEntry("graph_optimization_level", "ORT_ENABLE_ALL")
                .containsEntry("execution_mode", "ORT_SEQUENTIAL")
                .containsEntry("execution_provider", "CPU")
                .containsEntry("session.intra_op.allow_spinning", "0")
                .containsKeys("intra_op_num_threads", "onnxruntime_version");
        assertThat(fractions).first().isEqualTo(0.0);
        assertThat(fractions).last().isEqualTo(1.0);
        assertThat(fractions).isSorted().hasSize(2 + 2 * (2 + 3 + 3));
    }

    /** The provider in the settings reaches the sessions: the CPU build of ONNX Runtime refuses CUDA. */
    @Test
    void cudaSettingsAreAppliedToTheSessions() {
        Path model = write(OnnxFixtures.matMul(16, 8, 1), "a.onnx");
        EvaluationSettings cuda = settings(1, 7).withExecutionProvider(ExecutionProvider.CUDA);

        assertThat(cuda.executionProvider()).isEqualTo(ExecutionProvider.CUDA);
        assertThat(cuda.withoutLatency().executionProvider()).isEqualTo(ExecutionProvider.CUDA);
        assertThatThrownBy(() -> FidelityEvaluator.evaluate(model, model, cuda, ProgressListener.NONE))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("CUDA");
    }

    @Test
    void missingInputFileIsReportedWithItsName() {
        Path model = write(OnnxFixtures.paddedEmbedding(20, 8, 1, 100), "a.onnx");
        Path inputsDir = sampleFolders(List.of(Map.of("input_ids", NpyArray.ofLongs(new long[] {3, 4}, 1, 2))));

        assertThatThrownBy(() -> FidelityEvaluator.evaluate(model, model,
                new EvaluationSettings(1, 7, inputsDir, 0, Map.of()), ProgressListener.NONE))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(inputsDir.resolve("sample-0/attention_mask.npy").toString());
    }

    @Test
    void wrongRankWrongDtypeAndUnreadableFilesAreReportedWithTheirNames() throws Exception {
        Path model = write(OnnxFixtures.gatherEmbedding(20, 8, 1), "a.onnx");

        Path wrongRank = sampleFolders(List.of(Map.of("input_ids", NpyArray.ofLongs(new long[] {3, 4}, 2))));
        assertThatThrownBy(() -> evaluateWith(model, wrongRank))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(wrongRank.resolve("sample-0/input_ids.npy").toString())
                .hasMessageContaining("rank 1");

        Path floats = sampleFolders(List.of(Map.of("input_ids", NpyArray.ofFloats(new float[] {3, 4}, 1, 2))));
        assertThatThrownBy(() -> evaluateWith(model, floats))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(floats.resolve("sample-0/input_ids.npy").toString())
                .hasMessageContaining("<f4");

        Path garbage = Files.createDirectories(dir.resolve("garbage/sample-0"));
        Files.writeString(garbage.resolve("input_ids.npy"), "hello");
        assertThatThrownBy(() -> evaluateWith(model, garbage.getParent()))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(garbage.resolve("input_ids.npy").toString());

        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> evaluateWith(model, empty))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("no sample folders");
    }

    @Test
    void idsOutsideTheVocabularyFromTheUserAreInvalidInputs() {
        Path model = write(OnnxFixtures.gatherEmbedding(20, 8, 1), "a.onnx");
        Path tooLarge = sampleFolders(List.of(Map.of("input_ids", NpyArray.ofLongs(new long[] {3, 400}, 1, 2))));

        assertThatThrownBy(() -> evaluateWith(model, tooLarge))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("sample-0");
    }

    @Test
    void compressedModelWithOtherOutputsIsUnsupported() {
        Path classifier = write(OnnxFixtures.classifier(8, 4, 1), "a.onnx");
        Path matMul = write(OnnxFixtures.matMul(8, 4, 1), "b.onnx");

        assertThatThrownBy(() -> FidelityEvaluator.evaluate(classifier, matMul, settings(1, 7), ProgressListener.NONE))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("lacks output 'logits'");
    }

    @Test
    void unreadableModelsAreReported() throws Exception {
        Path good = write(OnnxFixtures.matMul(8, 4, 1), "a.onnx");
        Path bad = Files.write(dir.resolve("bad.onnx"), new byte[] {1, 2, 3, 4});

        assertThatThrownBy(() -> FidelityEvaluator.evaluate(bad, good, settings(1, 7), ProgressListener.NONE))
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(bad.toString());
        assertThatThrownBy(() -> FidelityEvaluator.evaluate(good, bad, settings(1, 7), ProgressListener.NONE))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("cannot load the compressed model bad.onnx");
    }

    private static EvaluationResult evaluateWith(Path model, Path inputsDir) {
        return FidelityEvaluator.evaluate(model, model, new EvaluationSettings(1, 7, inputsDir, 0, Map.of()),
                ProgressListener.NONE);
    }

    private static EvaluationSettings settings(int samples, long seed) {
        return new EvaluationSettings(samples, seed, null, 0, Map.of());
    }

    private Path write(ModelProto model, String name) {
        return OnnxFixtures.write(model, dir.resolve(name));
    }

    /** One folder {@code sample-<i>} per map, holding {@code <input>.npy} for each entry. */
    private Path sampleFolders(List<Map<String, NpyArray>> samples) {
        try {
            Path root = Files.createTempDirectory(dir, "inputs");
            for (int i = 0; i < samples.size(); i++) {
                Path folder = Files.createDirectory(root.resolve("sample-" + i));
                samples.get(i).forEach((name, array) -> Npy.write(folder.resolve(name + ".npy"), array));
            }
            return root;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
