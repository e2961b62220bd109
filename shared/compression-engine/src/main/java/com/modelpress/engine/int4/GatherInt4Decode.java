package com.modelpress.engine.int4;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.engine.graph.Nodes;
import com.modelpress.engine.graph.RewriteScope;
import com.modelpress.engine.graph.TensorCodec;
import com.modelpress.engine.graph.Weight;
import com.modelpress.engine.quant.NibbleDecode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The graph surgery of {@link GatherInt4}: the table's initializers (codes, float16 scales and offsets, shapes) and, in
 * place of each {@code Gather} that reads it, the nodes that decode just the looked-up rows: gather the rows' bytes,
 * split them into codes ({@link NibbleDecode}, low nibbles first), gather and widen the rows' scales and offsets,
 * {@code q·s + m} per block, and reshape to the ids' shape plus the row width (cast to the type the consumers read
 * when that is not float32).
 *
 * <p>Stateless.
 */
final class GatherInt4Decode {

    private static final NibbleDecode NIBBLES = new NibbleDecode(NibbleDecode.Order.LOW_FIRST, -1);

    private GatherInt4Decode() {
    }

    /** The table's initializers and each reading {@code Gather}'s decode, in {@code scope}. */
    static void replace(Weight weight, GatherInt4.Rows rows, RewriteScope scope) {
        int v = rows.rows();
        int d = rows.width();
        int blocks = rows.blocks();
        String base = weight.name();
        String table = scope.fresh(base + "_q4");
        String scaleName = scope.fresh(base + "_block_scale");
        String offsetName = scope.fresh(base + "_block_offset");
        String sixteenth = scope.fresh(base + "_one_sixteenth");
        String sixteen = scope.fresh(base + "_sixteen");
        String blockShape = scope.fresh(base + "_block_shape");
        String paramShape = scope.fresh(base + "_param_shape");
        String width = scope.fresh(base + "_width");
        List<TensorProto> initializers = Stream.of(
                List.of(Nodes.tensor(table, DataType.UINT8_VALUE, new long[]{v, d / 2}, scope.store(rows.packed())),
                        Nodes.tensor(scaleName, DataType.FLOAT16_VALUE, new long[]{v, blocks},
                                scope.store(TensorCodec.toFloat16Bytes(rows.scales()))),
                        Nodes.tensor(offsetName, DataType.FLOAT16_VALUE, new long[]{v, blocks},
                                scope.store(TensorCodec.toFloat16Bytes(rows.offsets())))),
                NibbleDecode.constants(sixteenth, sixteen),
                List.of(Nodes.int64Tensor(blockShape, new long[]{3}, -1, blocks, rows.blockSize()),
                        Nodes.int64Tensor(paramShape, new long[]{3}, -1, blocks, 1),
                        Nodes.int64Tensor(width, new long[]{1}, d)))
                .flatMap(List::stream).toList();
        Table names = new Table(table, scaleName, offsetName, sixteenth, sixteen, blockShape, paramShape, width);
        Map<Integer, List<NodeProto>> replacements = new HashMap<>();
        for (Weight.Use use : weight.uses()) {
            replacements.put(use.nodeIndex(), decode(use.node(), names, weight.valueType(), scope));
        }
        scope.replaceConsumers(weight, initializers, replacements);
    }

    /** The names of the table's initializers. */
    private record Table(String codes, String scales, String offsets, String sixteenth, String sixteen,
                         String blockShape, String paramShape, String width) {}

    /** The nodes that take {@code gather}'s place: its ids in, its output out. */
    private static List<NodeProto> decode(NodeProto gather, Table table, int valueType, RewriteScope scope) {
        String ids = gather.getInput(1);
        String out = gather.getOutput(0);
        String n = gather.getName().isEmpty() ? out : gather.getName();
        String bytes = scope.fresh(out + "_q4");
        NibbleDecode.Values nibbles = new NibbleDecode.Values(scope.fresh(out + "_q4_float"), scope.fresh(out + "_high"),
                scope.fresh(out + "_high_floor"), scope.fresh(out + "_high_shifted"), scope.fresh(out + "_low"),
                scope.fresh(out + "_codes"));
        String codeBlocks = scope.fresh(out + "_code_blocks");
        String s16 = scope.fresh(out + "_scale16"), s32 = scope.fresh(out + "_scale"), sBlocks = scope.fresh(out + "_scale_blocks");
        String o16 = scope.fresh(out + "_offset16"), o32 = scope.fresh(out + "_offset"), oBlocks = scope.fresh(out + "_offset_blocks");
        String scaled = scope.fresh(out + "_scaled"), shifted = scope.fresh(out + "_shifted");
        String idsShape = scope.fresh(out + "_ids_shape"), outShape = scope.fresh(out + "_shape");
        List<NodeProto> nodes = new ArrayList<>();
        nodes.add(Nodes.node("Gather", scope.fresh(n + "_q4_rows"), List.of(table.codes(), ids), List.of(bytes),
                Nodes.intAttribute("axis", 0)));
        nodes.addAll(NIBBLES.nodes(bytes, table.sixteenth(), table.sixteen(), nibbles, step -> scope.fresh(n + switch (step) {
            case FLOAT -> "_q4_cast";
            case HIGH_FRACTION -> "_high_div";
            case HIGH -> "_high_floor";
            case HIGH_SHIFTED -> "_high_mul";
            case LOW -> "_low";
            case CODES -> "_codes";
        })));
        nodes.addAll(List.of(
                Nodes.node("Reshape", scope.fresh(n + "_code_blocks"), List.of(nibbles.codes(), table.blockShape()), List.of(codeBlocks)),
                Nodes.node("Gather", scope.fresh(n + "_scale_rows"), List.of(table.scales(), ids), List.of(s16), Nodes.intAttribute("axis", 0)),
                Nodes.node("Cast", scope.fresh(n + "_scale_cast"), List.of(s16), List.of(s32), Nodes.intAttribute("to", DataType.FLOAT_VALUE)),
                Nodes.node("Reshape", scope.fresh(n + "_scale_blocks"), List.of(s32, table.paramShape()), List.of(sBlocks)),
                Nodes.node("Gather", scope.fresh(n + "_offset_rows"), List.of(table.offsets(), ids), List.of(o16), Nodes.intAttribute("axis", 0)),
                Nodes.node("Cast", scope.fresh(n + "_offset_cast"), List.of(o16), List.of(o32), Nodes.intAttribute("to", DataType.FLOAT_VALUE)),
                Nodes.node("Reshape", scope.fresh(n + "_offset_blocks"), List.of(o32, table.paramShape()), List.of(oBlocks)),
                Nodes.node("Mul", scope.fresh(n + "_scale_mul"), List.of(codeBlocks, sBlocks), List.of(scaled)),
                Nodes.node("Add", scope.fresh(n + "_offset_add"), List.of(scaled, oBlocks), List.of(shifted)),
                Nodes.node("Shape", scope.fresh(n + "_ids_shape"), List.of(ids), List.of(idsShape)),
                Nodes.node("Concat", scope.fresh(n + "_out_shape"), List.of(idsShape, table.width()), List.of(outShape), Nodes.intAttribute("axis", 0))));
        if (valueType == DataType.FLOAT_VALUE) {
            nodes.add(Nodes.node("Reshape", scope.fresh(n + "_dequantized"), List.of(shifted, outShape), List.of(out)));
        } else {
            // decoded in float32, handed on in the type the consumers read
            String asValue = scope.fresh(out + "_float");
            nodes.add(Nodes.node("Reshape", scope.fresh(n + "_dequantized"), List.of(shifted, outShape), List.of(asValue)));
            nodes.add(Nodes.node("Cast", scope.fresh(n + "_to_value_type"), List.of(asValue), List.of(out),
                    Nodes.intAttribute("to", valueType)));
        }
        return nodes;
    }
}
