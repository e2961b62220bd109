package com.modelpress.engine.quant;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import com.modelpress.engine.graph.Nodes;

import java.util.List;
import java.util.function.Function;

/**
 * The graph nodes that split bytes holding two 4-bit codes each into the codes, as floats, with ops every opset
 * ONNX Runtime runs (7 on) has: {@code Cast} the bytes to float, {@code Mul} by a sixteenth and {@code Floor} for the high nibbles,
 * {@code Mul} by 16 and {@code Sub} from the bytes for the low ones, {@code Concat} the two halves. The 4-bit encodings
 * that ONNX Runtime has no kernel for decode with it (lookup tables' rows, Conv kernels); the codes themselves (what
 * each nibble holds) are their business.
 *
 * <p>Immutable.
 *
 * @param order which half of the decoded codes the low nibbles are
 * @param axis  the axis the two halves are concatenated on
 */
public record NibbleDecode(Order order, int axis) {

    /** Which half the low nibbles decode to. */
    public enum Order {
        /** Byte {@code j}'s low nibble is element {@code j}, its high nibble element {@code j + half}. */
        LOW_FIRST,
        /** Byte {@code j}'s high nibble is element {@code j}, its low nibble element {@code j + half}. */
        HIGH_FIRST
    }

    /** The values the decode produces, one per node, each named after it. */
    public enum Step {
        /** The bytes as floats. */
        FLOAT,
        /** The bytes over 16. */
        HIGH_FRACTION,
        /** The high nibbles. */
        HIGH,
        /** The high nibbles times 16. */
        HIGH_SHIFTED,
        /** The low nibbles. */
        LOW,
        /** Both halves, concatenated: the codes. */
        CODES
    }

    /**
     * The names of the values the decode produces, chosen by the caller (already fresh in its graph).
     */
    public record Values(String asFloat, String highFraction, String high, String highShifted, String low, String codes) {

        /** The name of {@code step}'s value. */
        public String of(Step step) {
            return switch (step) {
                case FLOAT -> asFloat;
                case HIGH_FRACTION -> highFraction;
                case HIGH -> high;
                case HIGH_SHIFTED -> highShifted;
                case LOW -> low;
                case CODES -> codes;
            };
        }
    }

    /** The two constants the decode reads: a float scalar {@code 1/16} named {@code sixteenth} and {@code 16} named {@code sixteen}. */
    public static List<TensorProto> constants(String sixteenth, String sixteen) {
        return List.of(Nodes.floatScalar(sixteenth, 1f / 16f), Nodes.floatScalar(sixteen, 16f));
    }

    /**
     * The six nodes, in order, from the {@code uint8} value {@code bytes} to {@code values.codes()}.
     *
     * @param sixteenth  the name of {@link #constants}' {@code 1/16}
     * @param sixteen    the name of {@link #constants}' {@code 16}
     * @param nodeName   the name of the node that produces each step's value; asked once per step, in order
     */
    public List<NodeProto> nodes(String bytes, String sixteenth, String sixteen, Values values,
                                 Function<Step, String> nodeName) {
        NodeProto asFloat = Nodes.node("Cast", nodeName.apply(Step.FLOAT), List.of(bytes), List.of(values.asFloat()),
                Nodes.intAttribute("to", DataType.FLOAT_VALUE));
        NodeProto fraction = Nodes.node("Mul", nodeName.apply(Step.HIGH_FRACTION), List.of(values.asFloat(), sixteenth),
                List.of(values.highFraction()));
        NodeProto high = Nodes.node("Floor", nodeName.apply(Step.HIGH), List.of(values.highFraction()),
                List.of(values.high()));
        NodeProto shifted = Nodes.node("Mul", nodeName.apply(Step.HIGH_SHIFTED), List.of(values.high(), sixteen),
                List.of(values.highShifted()));
        NodeProto low = Nodes.node("Sub", nodeName.apply(Step.LOW), List.of(values.asFloat(), values.highShifted()),
                List.of(values.low()));
        List<String> halves = order == Order.LOW_FIRST ? List.of(values.low(), values.high())
                : List.of(values.high(), values.low());
        NodeProto codes = Nodes.node("Concat", nodeName.apply(Step.CODES), halves, List.of(values.codes()),
                Nodes.intAttribute("axis", axis));
        return List.of(asFloat, fraction, high, shifted, low, codes);
    }
}
