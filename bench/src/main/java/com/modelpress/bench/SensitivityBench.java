package com.modelpress.bench;

import com.modelpress.tokenizer.TextTokenizer;
import com.modelpress.tokenizer.TokenizedSamples;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.engine.CompressionMethod;
import com.modelpress.engine.ModelCompressor;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.evaluation.ActivationStatistics;
import com.modelpress.engine.evaluation.CalibrationSettings;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.graph.ModelRewriter;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int4.BlockQuantizer;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.Sqnr;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * How much each weight tensor's 4-bit quantization, alone, costs the model's sentence embeddings, next to two
 * cheap predictors computed without running the model per tensor: the weight's SQNR, and the SQNR of the
 * layer's output on calibration activations ({@code ΔWᵀ·XᵀX·ΔW} against {@code Wᵀ·XᵀX·W}). A predictor is
 * useful for choosing per-tensor precision when it ranks tensors like the measurement (Spearman ρ).
 *
 * <p>{@code bench/run sensitivity [--model minilm] [--out docs/BENCHMARKS.md] [--work bench/target/sensitivity]}
 */
public final class SensitivityBench {

    private static final Set<String> OPTIONS = Set.of("model", "out", "work");
    private static final int BLOCK = 32;

    private SensitivityBench() {
    }

    record Row(String tensor, long elements, double weightSqnr, double outputSqnr, double cosineLoss) {}

    public static void main(String[] args) throws IOException, OrtException {
        BenchArguments arguments = BenchArguments.parse(args, OPTIONS);
        BenchModel model = BenchModel.byId(arguments.list("model", List.of("minilm")).getFirst());
        Path out = arguments.path("out", Path.of("docs/BENCHMARKS.md"));
        Path work = WorkDirectory.emptied(arguments.path("work", Path.of("bench/target/sensitivity")));
        TextTokenizer tokenizer = model.tokenizer(TextTokenizer.DEFAULT_MAX_LINE_LENGTH);
        List<String> all = Sentences.all();
        Path calibration = TokenizedSamples.write(tokenizer, all.subList(0, 160), work.resolve("calibration"));
        List<String> scored = all.subList(160, all.size());

        Path fp32 = model.extractFp32(work);
        OnnxModel source = OnnxModel.read(fp32);
        List<Weight> matMulWeights = new ModelRewriter(source, null).weights().stream()
                .filter(MatMulWeights::isRightHandSide)
                .filter(w -> w.tensor().getDataType() == TensorProto.DataType.FLOAT_VALUE)
                .toList();
        Map<String, ActivationStatistics.SecondMoment> moments = ActivationStatistics.collect(source,
                matMulWeights.stream().map(w -> w.uses().getFirst().node().getInput(0)).collect(java.util.stream.Collectors.toSet()),
                new CalibrationSettings(0, 0, calibration), ProgressListener.NONE);

        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        float[][] reference;
        try (SentenceEmbedder embedder = new SentenceEmbedder(environment, fp32, tokenizer, 0)) {
            reference = embedder.embed(scored, 16);
        }
        List<String> names = matMulWeights.stream().map(Weight::name).toList();
        ModelCompressor compressor = new ModelCompressor(new EvaluationSettings(1, 7, null, 0, Map.of()),
                CalibrationSettings.none());
        List<Row> rows = new ArrayList<>();
        for (Weight weight : matMulWeights) {
            System.err.printf("%s: %s alone%n", model.displayName(), weight.name());
            List<String> others = names.stream().filter(n -> !n.equals(weight.name())).toList();
            List<String> excluded = new ArrayList<>(others);
            excluded.add("embeddings.word_embeddings.weight");
            excluded.add("embeddings.position_embeddings.weight");
            Path output = work.resolve("alone.onnx");
            compressor.compress(fp32, output, CompressionMethod.of("int4",
                    new CompressionOptions(BLOCK, false, excluded, null)), ProgressListener.NONE);
            double cosine;
            try (SentenceEmbedder embedder = new SentenceEmbedder(environment, output, tokenizer, 0)) {
                cosine = EmbeddingAgreement.between(reference, embedder.embed(scored, 16)).cosineMean();
            }
            MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, source.floats(weight.tensor()));
            float[] decoded = new float[matrix.values().length];
            BlockQuantizer.quantize(matrix.values(), matrix.k(), matrix.n(), BLOCK, false, decoded);
            ActivationStatistics.SecondMoment moment = moments.get(weight.uses().getFirst().node().getInput(0));
            rows.add(new Row(weight.name(), weight.elements(), Sqnr.decibels(matrix.values(), decoded),
                    outputSqnr(matrix, decoded, moment), 1 - cosine));
        }
        rows.sort(Comparator.comparingDouble(Row::cosineLoss).reversed());
        double rhoWeight = spearman(rows.stream().mapToDouble(r -> -r.weightSqnr()).toArray(),
                rows.stream().mapToDouble(Row::cosineLoss).toArray());
        double rhoOutput = spearman(rows.stream().mapToDouble(r -> -r.outputSqnr()).toArray(),
                rows.stream().mapToDouble(Row::cosineLoss).toArray());

        StringBuilder table = new StringBuilder("""
                | tensor | elements | measured: 1 − pooled cosine, this tensor alone in int4 | weight SQNR (dB) | layer output SQNR on calibration (dB) |
                |---|---:|---:|---:|---:|
                """);
        for (Row row : rows) {
            table.append("| %s | %d | %.5f | %.1f | %.1f |%n".formatted(row.tensor(), row.elements(), row.cosineLoss(),
                    row.weightSqnr(), row.outputSqnr()));
        }
        String summary = ("Spearman rank correlation with the measured loss: weight SQNR ρ = %.2f, layer output SQNR on"
                + " calibration activations ρ = %.2f (%d MatMul weights of %s; int4 block %d, plain rounding; calibration:"
                + " the first 160 sentences, measured on the other %d).").formatted(rhoWeight, rhoOutput, rows.size(),
                model.displayName(), BLOCK, scored.size());
        System.out.println(summary);
        System.out.println(table);
        String command = ("bench/run sensitivity " + String.join(" ", args)).strip();
        BenchmarksDoc.writeSection(out, "sensitivity", "Sensitivity: which tensors hurt when quantized",
                RunDescription.current(environment.getVersion(), command).markdown() + "\n" + summary + "\n\n" + table);
        System.err.println("wrote " + out);
    }

    /** SQNR of {@code X·W} against {@code X·(W − Ŵ)} summed over the calibration rows, via {@code XᵀX}. */
    static double outputSqnr(MatMulWeights.Matrix matrix, float[] decoded, ActivationStatistics.SecondMoment moment) {
        if (moment == null || moment.features() != matrix.k()) {
            return Double.NaN;
        }
        int k = matrix.k();
        int n = matrix.n();
        double[] h = moment.xtx();
        float[] w = matrix.values();
        double[] sums = IntStream.range(0, n).parallel().mapToObj(col -> {
            double signal = 0;
            double noise = 0;
            for (int a = 0; a < k; a++) {
                double wa = w[a * n + col];
                double da = wa - decoded[a * n + col];
                double hw = 0;
                double hd = 0;
                for (int b = 0; b < k; b++) {
                    double hab = h[a * k + b];
                    hw += hab * w[b * n + col];
                    hd += hab * (w[b * n + col] - decoded[b * n + col]);
                }
                signal += wa * hw;
                noise += da * hd;
            }
            return new double[]{signal, noise};
        }).reduce(new double[2], (x, y) -> new double[]{x[0] + y[0], x[1] + y[1]});
        return Sqnr.fromEnergies(sums[0], sums[1]);
    }

    static double spearman(double[] a, double[] b) {
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = 0, mb = 0;
        for (int i = 0; i < ra.length; i++) {
            ma += ra[i] / ra.length;
            mb += rb[i] / rb.length;
        }
        double cov = 0, va = 0, vb = 0;
        for (int i = 0; i < ra.length; i++) {
            cov += (ra[i] - ma) * (rb[i] - mb);
            va += (ra[i] - ma) * (ra[i] - ma);
            vb += (rb[i] - mb) * (rb[i] - mb);
        }
        return cov / Math.sqrt(va * vb);
    }

    private static double[] ranks(double[] values) {
        Integer[] order = IntStream.range(0, values.length).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] ranks = new double[values.length];
        for (int i = 0; i < order.length; i++) {
            ranks[order[i]] = i;
        }
        return ranks;
    }
}
