package com.modelpress.engine.quant;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a block-quantized matrix in ONNX Runtime's {@code MatMulNBits} layout into the graph, for every kind of
 * consumer at once: matrix products become {@code com.microsoft::MatMulNBits}, lookups become
 * {@code com.microsoft::GatherBlockQuantized} on the same bytes. A table tied to an LM head is therefore stored once:
 * {@code GatherBlockQuantized} reads the packed table {@code [N, K·bits/8]} directly and {@code MatMulNBits} reads it
 * through a {@code Reshape} to {@code [N, blocks, blob]}; both share the scales {@code [N, blocks]} and the zero points.
 *
 * <p>Scales are stored in float16 whenever they fit ({@link #scaleType}): in a float16 graph that is the type both
 * kernels compute in; in a float32 graph (float32 weights, or bfloat16 weights read through a {@code Cast}) a
 * {@code Cast} to float32 sits in front of {@code MatMulNBits}' scales input (its scales must be in the activation
 * type; ONNX Runtime folds the Cast of an initializer when the session is created, so the file holds 2 bytes a block
 * and the kernel computes as with float32 scales), and {@code GatherBlockQuantized} decodes to float16 followed by a
 * {@code Cast} of the looked-up rows. Both kernels run on ONNX Runtime 1.29's CPU provider for float32 and float16
 * scales, 4 and 8 bits (not for bfloat16). Stateless.
 */
public final class NBitsEncodings {

    private NBitsEncodings() {
    }

    /**
     * A {@code [K, N]} matrix quantized along K in blocks, for output column (or table row) {@code n}.
     *
     * @param bits       4 or 8
     * @param data       {@code [N][blocks][blockSize·bits/8]}: 4-bit codes two per byte (even element in the low
     *                   nibble), 8-bit codes one per byte
     * @param scales     {@code [N][blocks]}, already rounded to {@code scaleType}
     * @param zeroPoints nullable (the kernels' default, {@code 2^(bits-1)}); 4-bit: {@code [N][ceil(blocks/2)]},
     *                   two per byte, low nibble first
     * @param scaleType  the ONNX float type the scales are stored in (see {@link #scaleType})
     */
    public record Packed(int bits, int blockSize, int k, int n, byte[] data, float[] scales, byte[] zeroPoints,
                         int scaleType) {

        public int blocks() {
            return (k + blockSize - 1) / blockSize;
        }

        int blob() {
            return blockSize * bits / 8;
        }

        /** Bytes stored for this matrix with scales of {@code scaleBytes} each. */
        public long storedBytes(int scaleBytes) {
            return data.length + (long) scaleBytes * scales.length + (zeroPoints == null ? 0 : zeroPoints.length);
        }

        /** Bytes stored for this matrix, scales in {@link #scaleType}. */
        public long storedBytes() {
            return storedBytes(TensorCodec.elementSize(scaleType));
        }
    }

    /** Smallest normal float16: a tensor whose every scale is below it would keep only a few bits of each. */
    private static final float FLOAT16_MIN_NORMAL = 0x1p-14f;
    private static final float FLOAT16_MAX = 65504f;
    /** The first default-domain opset whose {@code Cast} takes {@code to} as an integer. */
    private static final int MIN_CAST_OPSET = 6;

    /**
     * The type to store a matrix's block scales in, and why when it is not float16.
     *
     * @param type     FLOAT16, or the value type
     * @param fallback null for float16; else why the scales stay in the value type, for the report
     */
    public record ScaleStorage(int type, String fallback) {

        /** The text to append to an encoding name: the fallback's reason, or nothing. */
        public String describe() {
            return fallback == null ? "" : " (" + fallback + ")";
        }
    }

    /**
     * Float16 scales for a float16 graph, and for a float32 one too when every block's scale fits float16: none
     * beyond its largest finite value (with a factor 2 margin for the clipping searches), and not all of them
     * below its smallest normal (a tensor of tiny values would keep too few bits of each scale). A lone block of tiny
     * values is fine: its scale loses relative precision but its error is that of a tiny value. Blocks run along K
     * of the {@code [K, N]} matrix {@code w}; a scale is about {@code max|w| / 2^(bits-1)} of its block.
     *
     * @param valueType the type the weight is read as (its products' activation type)
     * @param opset     the model's default-domain opset: the Cast this takes has its integer {@code to} from opset 6
     */
    public static ScaleStorage scaleType(int valueType, float[] w, int k, int n, int blockSize, int bits, int opset) {
        if (valueType != DataType.FLOAT_VALUE) {
            return new ScaleStorage(valueType, null);
        }
        if (opset < MIN_CAST_OPSET) {
            return new ScaleStorage(valueType, "float32 scales: the model's opset %d predates Cast(to=int)".formatted(opset));
        }
        int blocks = (k + blockSize - 1) / blockSize;
        float[] absMax = new float[blocks * n];
        for (int row = 0; row < k; row++) {
            int base = (row / blockSize) * n;
            for (int col = 0; col < n; col++) {
                absMax[base + col] = Math.max(absMax[base + col], Math.abs(w[row * n + col]));
            }
        }
        float largest = 0;
        for (float value : absMax) {
            if (!Float.isFinite(value)) {
                return new ScaleStorage(valueType, "float32 scales: the weight holds non-finite values");
            }
            largest = Math.max(largest, value);
        }
        float levels = 1 << (bits - 1);
        float largestScale = largest / levels;
        if (2 * largestScale > FLOAT16_MAX) {
            return new ScaleStorage(valueType, "float32 scales: a block scale of about %.3g exceeds float16's range"
                    .formatted(largestScale));
        }
        if (largest > 0 && largestScale < FLOAT16_MIN_NORMAL) {
            return new ScaleStorage(valueType, "float32 scales: every block scale (at most %.3g) is below float16's "
                    .formatted(largestScale) + "smallest normal value");
        }
        return new ScaleStorage(DataType.FLOAT16_VALUE, null);
    }

    /**
     * The values {@link #replace} makes the weight's readers compute with, from the quantizer's {@code decoded}
     * ({@code [K, N]}, modified in place): a table only looked up decodes in its scales' type, so those values are
     * rounded to it when that is not the value type. A tied table's products compute in the value type; its lookups
     * differ from that by float16 rounding only.
     */
    public static float[] asLookedUp(Weight weight, Packed packed, float[] decoded) {
        boolean lookupsOnly = weight.uses().stream().allMatch(MatMulWeights::isTableGather);
        if (lookupsOnly && packed.scaleType() != weight.valueType()) {
            for (int i = 0; i < decoded.length; i++) {
                decoded[i] = TensorCodec.roundTo(packed.scaleType(), decoded[i]);
            }
        }
        return decoded;
    }

    private static String typeName(int type) {
        return switch (type) {
            case DataType.FLOAT_VALUE -> "float32";
            case DataType.FLOAT16_VALUE -> "float16";
            case DataType.BFLOAT16_VALUE -> "bfloat16";
            default -> "type " + type;
        };
    }

    /**
     * True when {@code packed} can replace every consumer of {@code weight}: matrix products always; lookups need
     * K to be a whole number of blocks (so that the packed rows hold no padding) and a float32 or float16 value
     * type (the types GatherBlockQuantized decodes to).
     */
    public static boolean supports(Weight weight, int k, int blockSize) {
        boolean gathers = weight.uses().stream().anyMatch(MatMulWeights::isTableGather);
        int type = weight.valueType();
        return !gathers || (k % blockSize == 0 && (type == DataType.FLOAT_VALUE || type == DataType.FLOAT16_VALUE));
    }

    /**
     * Replaces the weight and all its consumers (MatMul/Gemm right-hand sides and axis-0 Gathers, see
     * {@link MatMulWeights#isRightHandSide} and {@link MatMulWeights#isTiedTable}). Requires {@link #supports}.
     *
     * @return the encoding, for the report
     */
    public static String replace(Weight weight, Packed packed, RewriteScope scope) {
        int valueType = weight.valueType();
        String base = weight.name();
        boolean gathers = weight.uses().stream().anyMatch(MatMulWeights::isTableGather);
        boolean products = weight.uses().stream().anyMatch(use -> !MatMulWeights.isTableGather(use));
        String data = scope.fresh(base + "_q" + packed.bits());
        String scales = scope.fresh(base + "_scales");
        String zeroPoints = packed.zeroPoints() == null ? null : scope.fresh(base + "_zero_points");
        int blocks = packed.blocks();
        List<TensorProto> initializers = new ArrayList<>();
        long[] dataDims = gathers ? new long[]{packed.n(), (long) packed.k() * packed.bits() / 8}
                : new long[]{packed.n(), blocks, packed.blob()};
        initializers.add(Nodes.tensor(data, DataType.UINT8_VALUE, dataDims, scope.store(packed.data())));
        int scaleType = packed.scaleType();
        initializers.add(Nodes.tensor(scales, scaleType, new long[]{packed.n(), blocks},
                scope.store(TensorCodec.toBytes(scaleType, packed.scales()))));
        if (zeroPoints != null) {
            initializers.add(Nodes.tensor(zeroPoints, DataType.UINT8_VALUE,
                    new long[]{packed.n(), packed.zeroPoints().length / packed.n()}, scope.store(packed.zeroPoints())));
        }
        scope.useMicrosoftDomain();
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        String matrix = data;
        boolean reshapePending = gathers && products;
        if (reshapePending) {
            matrix = scope.fresh(base + "_q" + packed.bits() + "_blocks");
        }
        // MatMulNBits takes its scales in the activation type: one Cast for all products, folded by ONNX Runtime
        boolean castPending = products && scaleType != valueType;
        String productScales = castPending ? scope.fresh(scales + "_" + typeName(valueType)) : scales;
        // in graph order, so that the shared Reshape comes before every product that reads it
        List<Weight.Use> ordered = weight.uses().stream()
                .sorted(java.util.Comparator.comparingInt(Weight.Use::nodeIndex)).toList();
        for (Weight.Use use : ordered) {
            List<NodeProto> nodes = new ArrayList<>();
            if (MatMulWeights.isTableGather(use)) {
                nodes.addAll(gather(use.node(), data, scales, zeroPoints, packed, valueType, scope));
            } else {
                if (reshapePending) {
                    // one Reshape for all products; ONNX Runtime folds it at load, the file holds the table once
                    String shape = scope.fresh(base + "_blocks_shape");
                    nodes.add(Nodes.node("Constant", scope.fresh(shape + "_const"), List.of(), List.of(shape),
                            Nodes.constantValue(Nodes.int64Tensor(shape, new long[]{3}, packed.n(), blocks, packed.blob()))));
                    nodes.add(Nodes.node("Reshape", scope.fresh(base + "_as_blocks"), List.of(data, shape), List.of(matrix)));
                    reshapePending = false;
                }
                if (castPending) {
                    nodes.add(Nodes.node("Cast", scope.fresh(base + "_scales_cast"), List.of(scales),
                            List.of(productScales), Nodes.intAttribute("to", valueType)));
                    castPending = false;
                }
                nodes.addAll(product(use.node(), matrix, productScales, zeroPoints, packed, valueType, scope));
            }
            replacements.merge(use.nodeIndex(), nodes, (a, b) -> {
                List<NodeProto> both = new ArrayList<>(a);
                both.addAll(b);
                return both;
            });
        }
        scope.replaceConsumers(weight, initializers, replacements);
        String symmetry = packed.zeroPoints() == null ? "(symmetric)" : "";
        if (gathers && products) {
            return "MatMulNBits+GatherBlockQuantized%s, tied (table stored once)".formatted(symmetry);
        }
        return (gathers ? "GatherBlockQuantized" : "MatMulNBits") + symmetry;
    }

    /**
     * {@code GatherBlockQuantized} decodes to its scales' type: when that is not the value type, the looked-up rows
     * are cast to it (cheaper than casting the table).
     */
    private static List<NodeProto> gather(NodeProto node, String data, String scales, String zeroPoints, Packed packed,
                                          int valueType, RewriteScope scope) {
        String name = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
        List<String> inputs = new ArrayList<>(List.of(data, node.getInput(1), scales));
        if (zeroPoints != null) {
            inputs.add(zeroPoints);
        }
        boolean cast = packed.scaleType() != valueType;
        String rows = cast ? scope.fresh(node.getOutput(0) + "_" + typeName(packed.scaleType())) : node.getOutput(0);
        NodeProto lookup = Nodes.domainNode("com.microsoft", "GatherBlockQuantized", scope.fresh(name + "_nbits"), inputs,
                List.of(rows), Nodes.intAttribute("gather_axis", 0), Nodes.intAttribute("quantize_axis", 1),
                Nodes.intAttribute("block_size", packed.blockSize()), Nodes.intAttribute("bits", packed.bits()));
        if (!cast) {
            return List.of(lookup);
        }
        return List.of(lookup, Nodes.node("Cast", scope.fresh(name + "_rows_cast"), List.of(rows),
                List.of(node.getOutput(0)), Nodes.intAttribute("to", valueType)));
    }

    private static List<NodeProto> product(NodeProto node, String matrix, String scales, String zeroPoints, Packed packed,
                                           int valueType, RewriteScope scope) {
        String name = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
        List<String> inputs = new ArrayList<>(List.of(node.getInput(0), matrix, scales));
        if (zeroPoints != null) {
            inputs.add(zeroPoints);
        }
        String product = MatMulWeights.productName(node, scope);
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(Nodes.domainNode("com.microsoft", "MatMulNBits", scope.fresh(name + "_nbits"), inputs, List.of(product),
                Nodes.intAttribute("K", packed.k()), Nodes.intAttribute("N", packed.n()),
                Nodes.intAttribute("bits", packed.bits()), Nodes.intAttribute("block_size", packed.blockSize())));
        nodes.addAll(MatMulWeights.gemmTail(node, product, valueType, scope));
        return nodes;
    }
}
