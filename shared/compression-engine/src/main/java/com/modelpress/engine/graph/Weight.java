package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.List;

/**
 * A constant float tensor of one graph scope and the nodes of that scope that read it.
 *
 * @param name      the value name nodes use (initializer name, or the {@code Constant} node's output)
 * @param tensor    the tensor; its data may be external or memory-mapped
 * @param uses      direct consumers in the same graph, in node order
 * @param escapes   true when the value is also read where consumers cannot be rewritten: by a subgraph, as a
 *                  graph output, or overridable as a graph input
 */
public record Weight(String name, TensorProto tensor, List<Use> uses, boolean escapes) {

    public Weight {
        uses = List.copyOf(uses);
    }

    /** One input slot of one node that reads the weight. */
    public record Use(int nodeIndex, NodeProto node, int inputIndex) {}

    public long elements() {
        return TensorCodec.elementCount(tensor);
    }

    public long[] dims() {
        return tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** True when every consumer is {@code opType} reading the weight at {@code inputIndex}. */
    public boolean onlyUsedAs(String opType, int inputIndex) {
        return !escapes && !uses.isEmpty()
                && uses.stream().allMatch(u -> u.node().getOpType().equals(opType) && u.node().getDomain().isEmpty()
                && u.inputIndex() == inputIndex);
    }
}
