package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityReport.OutputFidelity;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.evaluation.EvaluationSettings;
import com.modelpress.engine.evaluation.FidelityEvaluator;
import com.modelpress.engine.graph.ModelRewriter;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.ScratchSpace;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.WeightPass;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses the precision of a language model's head — the matrix whose product is the {@code logits} output, often
 * the embedding table itself — by measurement rather than by rule, since it is often the most sensitive tensor.
 *
 * <p>The rest of the model is compressed as the method says with the head kept; that model is then scored on the
 * evaluation samples three times, the head's initializer overridden in the session with its int4 and its int8
 * (8-bit blocks) decoded values, and as stored. The rest's exchange rate — its damage (KL of the logits, or
 * 1 − cosine where the model has no distribution output) per byte it saved — is the yardstick: the head takes the
 * smallest precision whose damage per byte saved, against keeping it, is at most {@value #SLACK} times that rate,
 * i.e. the head is compressed as far as it is not clearly more sensitive per byte than the rest of the model. The
 * numbers and the choice go into the report's notes.
 *
 * <p>Costs one extra compression (and, with calibration in several groups, computing the statistics again for the
 * final one) and three evaluations. Applies to {@code int4} only (at 8 bits the head's damage is
 * below what the evaluation resolves). Not thread-safe; one instance per compression.
 */
final class HeadPrecision {

    /**
     * How much more damage per byte than the rest of the model the head may cost and still take the method's
     * precision. At 4 the head moves up only when it is clearly the outlier: on tinylm (fp16) its int4 costs 3.1 times
     * the rest's rate and stays int4, at the size the user asked for; a head four times as sensitive as the average
     * tensor goes to 8 bits (as llama.cpp's Q4_K_M does for every model).
     */
    static final double SLACK = 4.0;

    /** Ops a head's product may pass through on its way to the logits output, unchanged in meaning. */
    private static final Set<String> PASS_THROUGH = Set.of("Add", "Cast", "Reshape", "Identity", "Mul", "Div",
            "Squeeze", "Unsqueeze", "Tanh", "Flatten");

    enum Level { INT4, INT8, KEPT }

    private final String head;
    private final WeightPass methodPass;
    private Level level = Level.INT4;

    private HeadPrecision(String head, WeightPass methodPass) {
        this.head = head;
        this.methodPass = methodPass;
    }

    /**
     * The head of {@code source}: the one eligible MatMul/Gemm weight (or tied table) whose product reaches a graph
     * output named like {@code logits}; empty when there is none, or when nothing else would be compressed.
     */
    static Optional<Weight> find(OnnxModel source, CompressionMethod method) {
        GraphProto graph = source.proto().getGraph();
        Set<String> outputs = new HashSet<>();
        for (ValueInfoProto output : graph.getOutputList()) {
            if (output.getName().toLowerCase(Locale.ROOT).contains("logit")) {
                outputs.add(output.getName());
            }
        }
        if (outputs.isEmpty()) {
            return Optional.empty();
        }
        Map<String, List<NodeProto>> consumers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            node.getInputList().forEach(input -> consumers.computeIfAbsent(input, k -> new ArrayList<>()).add(node));
        }
        List<Weight> heads = new ArrayList<>();
        int others = 0;
        for (Weight weight : new ModelRewriter(source, null).weights()) {
            if (!Compression.eligible(weight, method.options())) {
                continue;
            }
            boolean matrix = MatMulWeights.isRightHandSide(weight) || MatMulWeights.isTiedTable(weight);
            boolean reachesLogits = matrix && weight.uses().stream().filter(use -> !MatMulWeights.isTableGather(use))
                    .anyMatch(use -> reaches(use.node().getOutput(0), outputs, consumers));
            if (reachesLogits) {
                heads.add(weight);
            } else {
                others++;
            }
        }
        return heads.size() == 1 && others > 0 ? Optional.of(heads.getFirst()) : Optional.empty();
    }

    private static boolean reaches(String value, Set<String> outputs, Map<String, List<NodeProto>> consumers) {
        for (int step = 0; step < 4 && !outputs.contains(value); step++) {
            List<NodeProto> next = consumers.getOrDefault(value, List.of());
            if (next.size() != 1 || !PASS_THROUGH.contains(next.getFirst().getOpType()) || !next.getFirst().getDomain().isEmpty()) {
                return false;
            }
            value = next.getFirst().getOutput(0);
        }
        return outputs.contains(value);
    }

    /**
     * Measures the head's candidates and returns the pass to compress with: {@code methodPass} for every tensor but
     * the head, the chosen precision for the head.
     *
     * @param notes receives the measurements and the choice
     */
    static WeightPass choose(Weight head, ModelCompressor.Head requested, OnnxModel source, Path input, Path scratch,
                             CompressionMethod method, WeightPass methodPass, EvaluationSettings evaluation,
                             List<String> notes) throws IOException {
        HeadPrecision choice = new HeadPrecision(head.name(), methodPass);
        if (requested != ModelCompressor.Head.MEASURED) {
            choice.level = switch (requested) {
                case INT4, MEASURED -> Level.INT4;
                case INT8 -> Level.INT8;
                case KEPT -> Level.KEPT;
            };
            notes.add("head %s: %s, as requested".formatted(head.name(), requested.name().toLowerCase(Locale.ROOT)));
            return choice.pass();
        }
        if (head.cast() != null) {
            notes.add("head %s is read through a Cast: its precision follows the method".formatted(head.name()));
            return choice.pass();
        }
        Path rest = scratch.resolve("head-kept.onnx");
        // in graph order, as the final compression: calibration in groups computes the statistics in that order
        Compression.Outcome restOutcome = new Compression(method.id(), method.options(),
                (weight, values, scope) -> weight.name().equals(head.name()) ? WeightPass.kept(weight, "head: measured apart")
                        : methodPass.apply(weight, values, scope), ProgressListener.NONE).inGraphOrder().run(source, rest);
        if (restOutcome.nothingToCompress()) {
            return choice.pass();
        }
        Candidate int4 = candidate(source, scratch, head.name(), methodPass);
        Candidate int8 = candidate(source, scratch, head.name(),
                (weight, values, scope) -> Int8Encodings.blocks(weight, values, scope, "int8")
                        .orElseGet(() -> WeightPass.kept(weight, "no 8-bit block encoding")));
        if (int4 == null || int8 == null) {
            notes.add("head %s: no decoded values to score; its precision follows the method".formatted(head.name()));
            return choice.pass();
        }
        FidelityEvaluator.Reference reference = new FidelityEvaluator.Reference(input, evaluation.withoutLatency());
        List<OutputFidelity> keptOutputs = reference.score(rest);
        double kept = damage(keptOutputs);
        double damage8 = damage(reference.score(rest, head.name(), head.dims(), head.tensor().getDataType(), int8.values()));
        double damage4 = damage(reference.score(rest, head.name(), head.dims(), head.tensor().getDataType(), int4.values()));
        long keptBytes = head.storedBytes();
        long saved = restOutcome.originalBytes() - restOutcome.compressedBytes();
        double rate = saved > 0 ? kept / saved : 0;
        double rate8 = (damage8 - kept) / Math.max(1, keptBytes - int8.bytes());
        double rate4 = (damage4 - kept) / Math.max(1, keptBytes - int4.bytes());
        if (!(rate > 0)) {
            choice.level = Level.INT4;
        } else if (rate4 <= SLACK * rate) {
            choice.level = Level.INT4;
        } else if (rate8 <= SLACK * rate) {
            choice.level = Level.INT8;
        } else {
            choice.level = Level.KEPT;
        }
        String metric = keptOutputs.stream().anyMatch(o -> o.klDivergence() != null) ? "KL" : "1 - cosine";
        notes.add(String.format(Locale.ROOT, "head %s: %s with the rest compressed and the head kept %.3g, int8 %.3g, "
                        + "int4 %.3g; per byte saved against keeping it int8 %.3g, int4 %.3g, the rest of the model %.3g "
                        + "-> %s (smallest within %.0f times the rest's rate)", head.name(), metric, kept, damage8, damage4,
                rate8, rate4, rate, choice.level.name().toLowerCase(Locale.ROOT), SLACK));
        Files.deleteIfExists(rest);
        Files.deleteIfExists(rest.resolveSibling(rest.getFileName() + ".data"));
        return choice.pass();
    }

    /** The pass: the method everywhere but the head, the chosen level for the head. */
    private WeightPass pass() {
        return (weight, values, scope) -> {
            if (!weight.name().equals(head)) {
                return methodPass.apply(weight, values, scope);
            }
            return switch (level) {
                case INT4 -> methodPass.apply(weight, values, scope);
                case INT8 -> Int8Encodings.blocks(weight, values, scope, "int8")
                        .orElseGet(() -> WeightPass.kept(weight, "head: no 8-bit block encoding"));
                case KEPT -> WeightPass.kept(weight, "head kept (see notes)");
            };
        };
    }

    /** A head encoding's decoded values and stored size. */
    private record Candidate(FloatBuffer values, long bytes) {}

    /** Encodes only the head with {@code pass} (nothing written) and captures what it decodes to; null when it does not say. */
    private static Candidate candidate(OnnxModel source, Path scratch, String head, WeightPass pass) throws IOException {
        float[][] decoded = new float[1][];
        TensorReport[] report = new TensorReport[1];
        try (ScratchSpace space = new ScratchSpace(scratch)) {
            new ModelRewriter(source, space)
                    .onDecoded((name, dims, dataType, values) -> {
                        if (name.equals(head)) {
                            decoded[0] = values.clone();
                        }
                    })
                    .rewrite((weight, scope) -> {
                        if (weight.name().equals(head)) {
                            report[0] = pass.apply(weight, scope.floats(weight), scope);
                        }
                    });
        }
        if (decoded[0] == null || report[0] == null || report[0].method().equals("kept")) {
            return null;
        }
        return new Candidate(FloatBuffer.wrap(decoded[0]), report[0].compressedBytes());
    }

    /** The largest KL divergence of a distribution output, or 1 − the worst mean cosine when there is none. */
    static double damage(List<OutputFidelity> outputs) {
        return outputs.stream().filter(o -> o.klDivergence() != null).mapToDouble(OutputFidelity::klDivergence).max()
                .orElse(1 - FidelityReport.worstCosineMean(outputs));
    }
}
