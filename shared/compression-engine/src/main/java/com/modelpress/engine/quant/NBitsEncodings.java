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
 * through a {@code Reshape} to {@code [N, blocks, blob]}; both share the scales {@code [N, blocks]} (in the weight's
 * value type, which is what either kernel computes in) and the zero points.
 *
 * <p>Both kernels run on ONNX Runtime 1.29's CPU provider for float32 and float16 scales, 4 and 8 bits (not for
 * bfloat16). Stateless.
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
     * @param scales     {@code [N][blocks]}, already rounded to the value type
     * @param zeroPoints nullable (the kernels' default, {@code 2^(bits-1)}); 4-bit: {@code [N][ceil(blocks/2)]},
     *                   two per byte, low nibble first
     */
    public record Packed(int bits, int blockSize, int k, int n, byte[] data, float[] scales, byte[] zeroPoints) {

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
        initializers.add(Nodes.tensor(scales, valueType, new long[]{packed.n(), blocks},
                scope.store(TensorCodec.toBytes(valueType, packed.scales()))));
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
        // in graph order, so that the shared Reshape comes before every product that reads it
        List<Weight.Use> ordered = weight.uses().stream()
                .sorted(java.util.Comparator.comparingInt(Weight.Use::nodeIndex)).toList();
        for (Weight.Use use : ordered) {
            List<NodeProto> nodes = new ArrayList<>();
            if (MatMulWeights.isTableGather(use)) {
                nodes.add(gather(use.node(), data, scales, zeroPoints, packed, scope));
            } else {
                if (reshapePending) {
                    // one Reshape for all products; ONNX Runtime folds it at load, the file holds the table once
                    String shape = scope.fresh(base + "_blocks_shape");
                    nodes.add(Nodes.node("Constant", scope.fresh(shape + "_const"), List.of(), List.of(shape),
                            Nodes.constantValue(Nodes.int64Tensor(shape, new long[]{3}, packed.n(), blocks, packed.blob()))));
                    nodes.add(Nodes.node("Reshape", scope.fresh(base + "_as_blocks"), List.of(data, shape), List.of(matrix)));
                    reshapePending = false;
                }
                nodes.addAll(product(use.node(), matrix, scales, zeroPoints, packed, valueType, scope));
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

    private static NodeProto gather(NodeProto node, String data, String scales, String zeroPoints, Packed packed,
                                    RewriteScope scope) {
        String name = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
        List<String> inputs = new ArrayList<>(List.of(data, node.getInput(1), scales));
        if (zeroPoints != null) {
            inputs.add(zeroPoints);
        }
        return Nodes.domainNode("com.microsoft", "GatherBlockQuantized", scope.fresh(name + "_nbits"), inputs,
                List.of(node.getOutput(0)), Nodes.intAttribute("gather_axis", 0), Nodes.intAttribute("quantize_axis", 1),
                Nodes.intAttribute("block_size", packed.blockSize()), Nodes.intAttribute("bits", packed.bits()));
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
