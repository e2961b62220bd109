package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.List;

/**
 * A constant float tensor of one graph scope and the nodes of that scope that read it.
 *
 * <p>Two patterns exporters wrap weights in are looked through, so that passes see the consumers that matter:
 * a weight stored in one float type and read through a single {@code Cast} to another (bf16 or fp16 weights in a
 * float32 graph, float32 weights in a float16 graph) is presented under the Cast's output name with the Cast's
 * type as its {@link #valueType()}; and a 2-D weight read through {@code Transpose(perm=[1,0])} is presented with
 * the Transpose's consumers as its uses, each marked {@link Use#transposed()} (a head tied to the embedding table,
 * {@code MatMul(h, Transpose(E))}).
 *
 * @param name    the value name the uses read: the initializer name, the {@code Constant} node's output, or the
 *                output of the {@link #cast()} looked through
 * @param tensor  the stored tensor (named as stored); its data may be external or memory-mapped
 * @param uses    consumers in the same graph, in node order
 * @param escapes true when the value is also read where consumers cannot be rewritten: by a subgraph, as a graph
 *                output, or overridable as a graph input
 * @param cast    nullable: the {@code Cast} between the stored tensor and its uses
 */
public record Weight(String name, TensorProto tensor, List<Use> uses, boolean escapes, Cast cast) {

    public Weight {
        uses = List.copyOf(uses);
    }

    /** A weight read as stored, without a Cast in between. */
    public Weight(String name, TensorProto tensor, List<Use> uses, boolean escapes) {
        this(name, tensor, uses, escapes, null);
    }

    /**
     * One input slot of one node that reads the weight.
     *
     * @param transposeIndex nullable: the index of the {@code Transpose(perm=[1,0])} node the value passes through
     *                       on its way to this node
     */
    public record Use(int nodeIndex, NodeProto node, int inputIndex, Integer transposeIndex) {

        public Use(int nodeIndex, NodeProto node, int inputIndex) {
            this(nodeIndex, node, inputIndex, null);
        }

        /** True when the node reads the weight's transpose. */
        public boolean transposed() {
            return transposeIndex != null;
        }
    }

    /**
     * @param nodeIndex the Cast node's index in the graph
     * @param to        the ONNX data type it casts to
     */
    public record Cast(int nodeIndex, int to) {}

    public long elements() {
        return TensorCodec.elementCount(tensor);
    }

    public long[] dims() {
        return tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /** The ONNX data type the uses read: the Cast's target, or the stored type. */
    public int valueType() {
        return cast == null ? tensor.getDataType() : cast.to();
    }

    /** Bytes the stored tensor takes. */
    public long storedBytes() {
        return TensorCodec.dataBytes(tensor);
    }

    /** Bits per element as stored (32, 16, …). */
    public int storedBits() {
        return 8 * TensorCodec.elementSize(tensor.getDataType());
    }

    /** True when every consumer is {@code opType} reading the weight itself (not its transpose) at {@code inputIndex}. */
    public boolean onlyUsedAs(String opType, int inputIndex) {
        return !escapes && !uses.isEmpty()
                && uses.stream().allMatch(u -> u.node().getOpType().equals(opType) && u.node().getDomain().isEmpty()
                && u.inputIndex() == inputIndex && !u.transposed());
    }
}
