package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.List;

/**
 * A constant float tensor of one graph scope and the nodes of that scope that read it.
 *
 * <p>Wrappers exporters put around weights are looked through, so that passes see the consumers that matter:
 * a chain of single-reader {@code Identity}, float-to-float {@code Cast}, {@code Reshape} (to a constant shape) and
 * {@code Transpose} nodes is folded into the weight, which is then presented under the chain's last output name, in
 * the chain's final shape, with the last Cast's type as its {@link #valueType()} ({@link #chain()} says how the stored
 * values become the presented ones); and a 2-D weight read through {@code Transpose(perm=[1,0])} is presented with
 * the Transpose's consumers as its uses, each marked {@link Use#transposed()} (a head tied to the embedding table,
 * {@code MatMul(h, Transpose(E))}).
 *
 * @param name          the value name the uses read: the initializer name, the {@code Constant} node's output, or the
 *                      last output of the {@link #chain()} looked through
 * @param tensor        the stored tensor (named as stored) with the presented dims; its data may be external or
 *                      memory-mapped, in the stored layout
 * @param uses          consumers in the same graph, in node order
 * @param escapes       true when the value is also read where consumers cannot be rewritten: by a subgraph, as a graph
 *                      output, or overridable as a graph input
 * @param cast          nullable: the last {@code Cast} between the stored tensor and its uses
 * @param chain         the nodes looked through and how they rearrange the values; {@link Chain#NONE} for none
 * @param subgraphUses  consumers inside {@code If}/{@code Loop}/{@code Scan} bodies that read the value from this
 *                      scope (their node index is within their own subgraph); an encoding that decodes the value under
 *                      its own name in this scope serves them too
 * @param boundary      nullable: why no encoding may replace the value ({@code "a graph output"}, …)
 * @param sliced        by the output name of each {@code Slice} that reads the value (in {@link #uses} or
 *                      {@link #subgraphUses}): the readers of that slice (through a matrix Transpose, marked
 *                      {@link Use#transposed()}). A slice keeps the weight's axes, so its readers say which axis holds
 *                      output channels, as for an LSTM cell exported as sliced gate matrices
 */
public record Weight(String name, TensorProto tensor, List<Use> uses, boolean escapes, Cast cast, Chain chain,
                     List<Use> subgraphUses, String boundary, java.util.Map<String, List<Use>> sliced) {

    public Weight {
        uses = List.copyOf(uses);
        subgraphUses = List.copyOf(subgraphUses);
        chain = chain == null ? Chain.NONE : chain;
        sliced = sliced == null ? java.util.Map.of() : java.util.Map.copyOf(sliced);
    }

    /** A weight read through at most a Cast, without readers in subgraphs. */
    public Weight(String name, TensorProto tensor, List<Use> uses, boolean escapes, Cast cast) {
        this(name, tensor, uses, escapes, cast, cast == null ? Chain.NONE : new Chain(List.of(cast.nodeIndex()), List.of()),
                List.of(), null, java.util.Map.of());
    }

    /** A weight read as stored, without a Cast in between. */
    public Weight(String name, TensorProto tensor, List<Use> uses, boolean escapes) {
        this(name, tensor, uses, escapes, null);
    }

    /**
     * The nodes between the stored tensor and the presented value, and the axis permutations among them in order
     * (reshapes and casts do not move values).
     *
     * @param nodes        indices of the looked-through nodes in the graph, removed with the weight
     * @param permutations applied in order to the stored values to get the presented ones
     */
    public record Chain(List<Integer> nodes, List<Permutation> permutations) {

        public static final Chain NONE = new Chain(List.of(), List.of());

        public Chain {
            nodes = List.copyOf(nodes);
            permutations = List.copyOf(permutations);
        }

        public boolean isEmpty() {
            return nodes.isEmpty();
        }
    }

    /**
     * A {@code Transpose} of values of shape {@code dims}: output axis {@code i} is input axis {@code perm[i]}.
     */
    public record Permutation(long[] dims, int[] perm) {

        public Permutation {
            dims = dims.clone();
            perm = perm.clone();
        }

        /** The row-major values of the transposed array. */
        public float[] apply(float[] values) {
            int rank = dims.length;
            long[] outDims = new long[rank];
            long[] inStrides = new long[rank];
            long stride = 1;
            for (int axis = rank - 1; axis >= 0; axis--) {
                inStrides[axis] = stride;
                stride *= dims[axis];
            }
            long[] strides = new long[rank];
            for (int axis = 0; axis < rank; axis++) {
                outDims[axis] = dims[perm[axis]];
                strides[axis] = inStrides[perm[axis]];
            }
            float[] out = new float[values.length];
            int[] index = new int[rank];
            long source = 0;
            for (int i = 0; i < out.length; i++) {
                out[i] = values[(int) source];
                // advance the output index like an odometer, moving the source offset along
                for (int axis = rank - 1; axis >= 0; axis--) {
                    index[axis]++;
                    source += strides[axis];
                    if (index[axis] < outDims[axis]) {
                        break;
                    }
                    source -= strides[axis] * outDims[axis];
                    index[axis] = 0;
                }
            }
            return out;
        }
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

    /** True when some node reads the value, in this scope or in a subgraph. */
    public boolean isRead() {
        return !uses.isEmpty() || !subgraphUses.isEmpty();
    }

    /** True when every consumer is {@code opType} reading the weight itself (not its transpose) at {@code inputIndex}. */
    public boolean onlyUsedAs(String opType, int inputIndex) {
        return !escapes && !uses.isEmpty()
                && uses.stream().allMatch(u -> u.node().getOpType().equals(opType) && u.node().getDomain().isEmpty()
                && u.inputIndex() == inputIndex && !u.transposed());
    }
}
