package com.modelpress.engine;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.dynamic.DynamicInt8Pass;
import com.modelpress.engine.fp16.Fp16Pass;
import com.modelpress.engine.graph.DecodedValuesListener;
import com.modelpress.engine.graph.GraphNames;
import com.modelpress.engine.graph.ModelRewriter;
import com.modelpress.engine.graph.ModelWriter;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.OnnxModel;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.ScratchSpace;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int4.Int4Pass;
import com.modelpress.engine.int4.MatrixProducts;
import com.modelpress.engine.int8.Int8Pass;
import com.modelpress.engine.quant.WeightPass;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The compression step alone: reads a model, applies a method to every eligible weight and writes the result.
 * Never lets a model grow: when nothing qualifies, or the result would not be smaller, the output is a byte
 * copy of the input.
 *
 * <p>Not thread-safe; one instance per compression.
 */
final class Compression {

    /**
     * @param tensors           one report per weight of at least {@code minElements} elements
     * @param nothingToCompress true when the output is a copy of the input
     * @param originalBytes     input model plus external data
     * @param compressedBytes   output model plus external data
     * @param weightElements    elements of all weight tensors of the input
     * @param originalWeightBytes   bytes of all weight tensors of the input
     * @param compressedWeightBytes bytes of all weight tensors of the output
     * @param notes             remarks for the report
     */
    record Outcome(List<TensorReport> tensors, boolean nothingToCompress, long originalBytes, long compressedBytes,
                   long weightElements, long originalWeightBytes, long compressedWeightBytes, List<String> notes) {}

    private final String methodId;
    private final CompressionOptions options;
    private final WeightPass pass;
    private final ProgressListener progress;
    private boolean graphOrder;

    /**
     * @param methodId     for notes
     * @param options      exclusions and minimum size; method-specific options are the pass's business
     * @param pass         what to do with each eligible weight
     */
    Compression(String methodId, CompressionOptions options, WeightPass pass, ProgressListener progress) {
        this.methodId = methodId;
        this.options = options;
        this.pass = pass;
        this.progress = progress;
    }

    /** @param inputMoments calibration {@code XᵀX} by activation name, for methods that use it; may be empty */
    Compression(CompressionMethod method, ProgressListener progress, Map<String, double[]> inputMoments) {
        this(method.id(), method.options(), passFor(method, inputMoments), progress);
    }

    Compression(CompressionMethod method, ProgressListener progress) {
        this(method, progress, Map.of());
    }

    static WeightPass passFor(CompressionMethod method, Map<String, double[]> inputMoments) {
        return passFor(method, Map.copyOf(inputMoments)::get, MatrixProducts.JAVA);
    }

    /**
     * @param inputMoments calibration {@code XᵀX} by activation name, asked for in visiting order; null when absent
     * @param products     where GPTQ's matrix products run
     */
    static WeightPass passFor(CompressionMethod method, Function<String, double[]> inputMoments, MatrixProducts products) {
        return switch (method) {
            case CompressionMethod.Fp16 ignored -> new Fp16Pass();
            case CompressionMethod.Int8 ignored -> new Int8Pass();
            case CompressionMethod.Int8Dynamic ignored -> new DynamicInt8Pass();
            case CompressionMethod.Int4 int4 -> new Int4Pass(int4.blockSize(), int4.symmetric(),
                    int4.options().roundingOrDefault(), inputMoments, products);
            case CompressionMethod.Auto auto -> throw new IllegalArgumentException(
                    "auto assigns a method per tensor; it has no single pass");
        };
    }

    /** Visits the main graph's weights in the order the graph reads them (for calibration in groups). */
    Compression inGraphOrder() {
        this.graphOrder = true;
        return this;
    }

    Outcome run(OnnxModel source, Path output) throws IOException {
        return run(source, output, null);
    }

    /** @param decoded nullable: told what each rewritten main-graph initializer decodes to */
    Outcome run(OnnxModel source, Path output, DecodedValuesListener decoded) throws IOException {
        Set<String> excluded = new HashSet<>(options.excludeNodes());
        long minElements = options.minElementsOrDefault();
        List<TensorReport> reports = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        long[] totals = new long[4]; // elements, bytes, small tensors, elements done

        for (Weight weight : new ModelRewriter(source, null).weights()) {
            totals[0] += weight.elements();
            totals[1] += TensorCodec.dataBytes(weight.tensor());
        }
        long allElements = Math.max(1, totals[0]);
        ModelProto rewritten;
        long written;
        try (ScratchSpace scratch = new ScratchSpace(output.toAbsolutePath().getParent())) {
            ModelRewriter rewriter = new ModelRewriter(source, scratch).onDecoded(decoded);
            if (graphOrder) {
                rewriter.inGraphOrder();
            }
            rewritten = rewriter.rewrite((weight, scope) -> {
                long elements = weight.elements();
                int type = weight.tensor().getDataType();
                // fp16 gains 2 bytes an element on a small kernel, and loses what falls below its normal range
                if (elements < (pass instanceof Fp16Pass ? minElements : floor(weight, options))) {
                    totals[2]++;
                } else if (excluded(weight, excluded)) {
                    reports.add(keptInFloat16(weight, keptAs(weight, type, "excluded by option"), null, scope));
                } else if (!COMPRESSIBLE_TYPES.contains(type)) {
                    reports.add(keptAs(weight, type, "stored as " + typeName(type) + ", not float32, float16 or bfloat16"));
                } else if (weight.uses().isEmpty() && !weight.escapes()) {
                    reports.add(WeightPass.kept(weight, "not used by any node"));
                } else {
                    float[] values = scope.floats(weight);
                    reports.add(keptInFloat16(weight, pass.apply(weight, values, scope), values, scope));
                }
                totals[3] += elements;
                progress.onProgress("compress", (double) totals[3] / allElements);
            });
            boolean changed = reports.stream().anyMatch(r -> !r.method().equals("kept"));
            long originalBytes = source.totalBytes();
            if (changed) {
                progress.onProgress("write", 0);
                GraphNames.Compacted compacted = options.keepNamesOrDefault()
                        ? new GraphNames.Compacted(rewritten, 0, 0, 0) : GraphNames.compact(rewritten);
                written = new ModelWriter().write(compacted.model(), source, output).totalBytes();
                progress.onProgress("write", 1);
                if (written < originalBytes) {
                    if (compacted.bytesSaved() > 0) {
                        notes.add(("graph names shortened (%d node names dropped, %d computed values renamed; inputs, outputs"
                                + " and initializers keep theirs): %d bytes").formatted(compacted.droppedNodeNames(),
                                compacted.renamed(), compacted.bytesSaved()));
                    }
                    long saved = reports.stream().mapToLong(r -> r.originalBytes() - r.compressedBytes()).sum();
                    if (totals[2] > 0) {
                        notes.add("%d tensors under %d elements left as they are".formatted(totals[2], minElements));
                    }
                    return new Outcome(reports, false, originalBytes, written, totals[0], totals[1], totals[1] - saved, notes);
                }
                notes.add("the compressed model (%d bytes) was not smaller than the original; kept the original".formatted(written));
            } else {
                notes.add("no tensor qualified for %s; the output is a copy of the input".formatted(methodId));
            }
            copyModel(source, output);
            List<TensorReport> unchanged = reports.stream()
                    .map(r -> r.method().equals("kept") && r.encoding() == null ? r : new TensorReport(r.name(), "kept", null,
                            32, null, r.elements(), r.originalBytes(), r.originalBytes(), null, "model kept unchanged"))
                    .toList();
            return new Outcome(unchanged, true, originalBytes, source.totalBytes(), totals[0], totals[1], totals[1], notes);
        }
    }

    /** Methods that quantize: a float32 weight of a decoder LM they leave unquantized is stored as float16. */
    private static final Set<String> KEEP_IN_FLOAT16 = Set.of("int4", "int8");

    /**
     * {@code report} itself, unless the method quantizes ({@link #KEEP_IN_FLOAT16}) a decoder LM and left this float32
     * weight unquantized (excluded, or no encoding applies): then the weight is stored as float16 where that only
     * rounds it ({@link Fp16Pass#storeKept}), as decoders ship their tables in 16 bits, said so in the report's reason.
     * Other models keep such weights bit for bit.
     *
     * @param values nullable: the weight's values when already read
     */
    private TensorReport keptInFloat16(Weight weight, TensorReport report, float[] values, RewriteScope scope)
            throws IOException {
        if (!report.method().equals("kept") || !KEEP_IN_FLOAT16.contains(methodId)
                || weight.tensor().getDataType() != TensorProto.DataType.FLOAT_VALUE || !scope.decoderLm()) {
            return report;
        }
        return Fp16Pass.storeKept(weight, values != null ? values : scope.floats(weight), scope, report.reason())
                .orElse(report);
    }

    /** Stored types whose weights passes get to see. */
    static final Set<Integer> COMPRESSIBLE_TYPES = Set.of(TensorProto.DataType.FLOAT_VALUE,
            TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE);

    /** Excluded by name: its own (as read or as stored) or a consumer node's. */
    static boolean excluded(Weight weight, Set<String> names) {
        return names.contains(weight.name()) || names.contains(weight.tensor().getName())
                || weight.uses().stream().anyMatch(u -> names.contains(u.node().getName()));
    }

    /** A weight a pass gets to see under {@code options}: a float type, big enough, not excluded, read by a node. */
    static boolean eligible(Weight weight, CompressionOptions options) {
        return COMPRESSIBLE_TYPES.contains(weight.tensor().getDataType())
                && weight.elements() >= floor(weight, options)
                && !excluded(weight, new HashSet<>(options.excludeNodes()))
                && (!weight.uses().isEmpty() || weight.escapes());
    }

    /**
     * The fewest elements a weight needs to be compressed: the option's minimum, except that under the default minimum a
     * Conv kernel (depthwise 3×3 kernels are small, and a CNN has many) qualifies whenever int8 with a scale per output
     * channel saves bytes after the decode node and names it adds ({@link #CONV_KERNEL_OVERHEAD}). A stem (a dense
     * Conv of at most {@value #STEM_CHANNELS} input channels: it reads the image) is not one of them: its kernel is
     * tiny, and its rounding error reaches every later layer.
     */
    static long floor(Weight weight, CompressionOptions options) {
        long minimum = options.minElementsOrDefault();
        if (minimum != CompressionOptions.DEFAULT_MIN_ELEMENTS || weight.tensor().getDimsCount() < 3
                || !weight.onlyUsedAs("Conv", 1)) {
            return minimum;
        }
        boolean dense = weight.uses().stream().allMatch(u -> Nodes.intAttribute(u.node(), "group", 1) == 1);
        if (dense && weight.tensor().getDims(1) <= STEM_CHANNELS) {
            return minimum;
        }
        long elements = weight.elements();
        long saved = 3 * elements - 4 * weight.tensor().getDims(0);
        return saved > CONV_KERNEL_OVERHEAD ? 0 : minimum;
    }

    /** Bytes a per-channel int8 Conv kernel adds besides its codes and scales: the decode node, two tensor headers, names. */
    static final long CONV_KERNEL_OVERHEAD = 256;

    /** Input channels up to which a dense Conv counts as a stem reading image channels (RGB, RGBA, grey). */
    static final long STEM_CHANNELS = 4;

    private static TensorReport keptAs(Weight weight, int type, String reason) {
        long elements = weight.elements();
        long bytes = TensorCodec.dataBytes(weight.tensor());
        int bits = TensorCodec.elementSize(type) * 8;
        return new TensorReport(weight.name(), "kept", null, bits == 0 ? 4 : bits, null, elements, bytes, bytes, null, reason);
    }

    /** Copies the model file and its external data files, keeping their relative locations. */
    private static void copyModel(OnnxModel source, Path output) throws IOException {
        Path target = output.toAbsolutePath().normalize();
        Files.copy(source.file(), target, StandardCopyOption.REPLACE_EXISTING);
        for (Path external : source.externalFiles()) {
            Path relative = source.directory().toRealPath().relativize(external);
            Path destination = target.getParent().resolve(relative);
            if (!Files.exists(destination) || !Files.isSameFile(destination, external)) {
                Files.createDirectories(destination.getParent());
                Files.copy(external, destination, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static String typeName(int type) {
        TensorProto.DataType known = TensorProto.DataType.forNumber(type);
        return known == null ? "type " + type : known.name().toLowerCase(java.util.Locale.ROOT);
    }
}
