package com.modelpress.engine.dynamic;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.contracts.FidelityReport.TensorReport;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.int8.Int8Pass;
import com.modelpress.engine.quant.Int8Channels;
import com.modelpress.engine.quant.Int8Encodings;
import com.modelpress.engine.quant.MatMulWeights;
import com.modelpress.engine.quant.Sqnr;
import com.modelpress.engine.quant.WeightPass;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each MatMul (or Gemm without {@code transA}) with a constant 2-D weight becomes
 * {@code DynamicQuantizeLinear(A) → MatMulInteger(A_q, W_q, A_zp) → Cast → Mul(A_scale × W_scale)}, with W
 * symmetric int8 in {@code [-63, 63]} and one scale per output column. The reduced range is what keeps x86 CPUs
 * without VNNI (AVX2, AVX-512F) exact: their u8 × s8 kernels add pairs of products in int16, which saturates with
 * full-range weights (on such a CPU a full-range model lost 3 % cosine on a plain embedding model). Lookup tables
 * become int8 rows and Conv weights weight-only int8, as in {@code int8}. In float16 graphs the activation is cast
 * to float around the integer product (DynamicQuantizeLinear only takes float). Stateless.
 */
public final class DynamicInt8Pass implements WeightPass {

    /** Largest weight code: 2 × 255 × 63 fits in int16, 2 × 255 × 127 does not. */
    static final int REDUCED_RANGE = 63;

    @Override
    public TensorReport apply(Weight weight, float[] values, RewriteScope scope) {
        if (Int8Encodings.isGatherTable(weight) || MatMulWeights.isTiedTable(weight)) {
            Optional<TensorReport> table = Int8Pass.tablesAndBlocks(weight, values, scope, "int8");
            if (table.isPresent()) {
                return table.get();
            }
        }
        if (scope.opset() >= 11 && MatMulWeights.isRightHandSide(weight) && scope.usesAvailable(weight)) {
            return dynamicMatMul(weight, values, scope);
        }
        return Int8Encodings.perChannel(weight, values, scope, "int8");
    }

    private static TensorReport dynamicMatMul(Weight weight, float[] values, RewriteScope scope) {
        MatMulWeights.Matrix matrix = MatMulWeights.asMatrix(weight, values);
        int k = matrix.k();
        int n = matrix.n();
        float[] w = matrix.values();
        Int8Channels q = Int8Channels.quantize(w, new long[]{k, n}, 1, REDUCED_RANGE);

        String base = weight.name();
        String wq = scope.fresh(base + "_int8");
        String ws = scope.fresh(base + "_scale");
        List<TensorProto> initializers = List.of(
                Nodes.tensor(wq, DataType.INT8_VALUE, new long[]{k, n}, scope.store(q.values())),
                Nodes.tensor(ws, DataType.FLOAT_VALUE, new long[]{n}, scope.store(TensorCodec.toFloatBytes(q.scales()))));
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        for (Weight.Use use : weight.uses()) {
            replacements.put(use.nodeIndex(), replace(use.node(), wq, ws, weight.valueType(), scope));
        }
        scope.replaceConsumers(weight, initializers, replacements);
        return new TensorReport(weight.name(), "int8", weight.valueType() == DataType.FLOAT_VALUE
                ? "DynamicQuantizeLinear+MatMulInteger" : "Cast+DynamicQuantizeLinear+MatMulInteger+Cast", 8, null,
                values.length, weight.storedBytes(), values.length + 4L * n, Sqnr.decibels(w, q.decoded()), null);
    }

    /**
     * The dynamic product; for a float16 or bfloat16 value type the activation is cast to float first (the only
     * type DynamicQuantizeLinear takes) and the product cast back.
     */
    private static List<NodeProto> replace(NodeProto node, String wq, String ws, int valueType, RewriteScope scope) {
        String output = node.getOutput(0);
        String name = node.getName().isEmpty() ? output : node.getName();
        boolean float32 = valueType == DataType.FLOAT_VALUE;
        String aq = scope.fresh(output + "_a_quantized");
        String as = scope.fresh(output + "_a_scale");
        String azp = scope.fresh(output + "_a_zero_point");
        String integer = scope.fresh(output + "_int32");
        String asFloat = scope.fresh(output + "_int32_float");
        String scale = scope.fresh(output + "_scale");
        String product = MatMulWeights.productName(node, scope);
        List<NodeProto> nodes = new ArrayList<>();
        String a = node.getInput(0);
        if (!float32) {
            String aFloat = scope.fresh(output + "_a_float");
            nodes.add(Nodes.node("Cast", scope.fresh(name + "_a_to_float"), List.of(a), List.of(aFloat),
                    Nodes.intAttribute("to", DataType.FLOAT_VALUE)));
            a = aFloat;
        }
        // the exact shape ONNX Runtime's quantize_dynamic emits, which its optimizer fuses into
        // DynamicQuantizeMatMul / MatMulIntegerToFloat
        nodes.add(Nodes.node("DynamicQuantizeLinear", scope.fresh(name + "_quantize_a"), List.of(a),
                List.of(aq, as, azp)));
        nodes.add(Nodes.node("MatMulInteger", scope.fresh(name + "_matmul_integer"), List.of(aq, wq, azp), List.of(integer)));
        nodes.add(Nodes.node("Cast", scope.fresh(name + "_cast"), List.of(integer), List.of(asFloat),
                Nodes.intAttribute("to", DataType.FLOAT_VALUE)));
        nodes.add(Nodes.node("Mul", scope.fresh(name + "_scales"), List.of(as, ws), List.of(scale)));
        String productFloat = float32 ? product : scope.fresh(output + "_product_float");
        nodes.add(Nodes.node("Mul", scope.fresh(name + "_dequantize"), List.of(asFloat, scale), List.of(productFloat)));
        if (!float32) {
            nodes.add(Nodes.node("Cast", scope.fresh(name + "_to_value_type"), List.of(productFloat), List.of(product),
                    Nodes.intAttribute("to", valueType)));
        }
        nodes.addAll(MatMulWeights.gemmTail(node, product, valueType, scope));
        return nodes;
    }
}
