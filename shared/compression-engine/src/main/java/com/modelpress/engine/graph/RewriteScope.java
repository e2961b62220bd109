package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The edits compression passes make to one graph (the main graph or one subgraph). Passes either replace a
 * weight by encoded tensors plus nodes that decode it back under the same name, or replace the weight's
 * consumers outright. Edits are applied together once every weight of the graph has been visited.
 *
 * <p>Not thread-safe; one instance per graph per compression.
 */
public final class RewriteScope {

    private final ModelRewriter model;
    private final GraphProto graph;
    private final Set<String> removedInitializers = new HashSet<>();
    private final Set<Integer> removedNodes = new HashSet<>();
    private final List<TensorProto> addedInitializers = new ArrayList<>();
    private final List<NodeProto> decodeNodes = new ArrayList<>();
    private final Map<Integer, List<NodeProto>> replacedNodes = new HashMap<>();
    private final Map<String, Integer> constantNodes;

    private final boolean mainGraph;

    RewriteScope(ModelRewriter model, GraphProto graph, Map<String, Integer> constantNodes, boolean mainGraph) {
        this.model = model;
        this.graph = graph;
        this.constantNodes = constantNodes;
        this.mainGraph = mainGraph;
    }

    /**
     * Tells the rewriter what {@code weight} decodes to after this rewrite: the float values the rewritten model
     * computes with, in the weight's own shape. Passes call it once per weight they encode, when those values are
     * exactly what the rewritten graph computes (not for encodings that also quantize activations).
     */
    public void decoded(Weight weight, float[] values) {
        DecodedValuesListener listener = model.decodedValuesListener();
        // only an initializer read as stored can be overridden in a session
        if (listener == null || !mainGraph || constantNodes.containsKey(weight.name()) || !weight.chain().isEmpty()) {
            return;
        }
        try {
            listener.decoded(weight.name(), weight.dims(), weight.tensor().getDataType(), values);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A value or node name not used anywhere in the model, derived from {@code base}. */
    public String fresh(String base) {
        return model.names().fresh(base);
    }

    /** The model's default-domain opset version. */
    public int opset() {
        return model.opset();
    }

    /**
     * True when the model is a decoder LM (token ids in, next-token logits out, causal): its lookup tables take the
     * encodings measured on decoders.
     */
    public boolean decoderLm() {
        return model.decoderLm();
    }

    /** Declares that an added node uses the {@code com.microsoft} domain (ONNX Runtime contrib ops). */
    public void useMicrosoftDomain() {
        model.requireDomain("com.microsoft", 1);
    }

    /** Keeps encoded bytes off the heap; see {@link ScratchSpace}. */
    public ByteString store(byte[] bytes) {
        return model.scratch().store(bytes);
    }

    /** The weight's values as its consumers read them: in the presented layout, after the chain's transposes. */
    public float[] floats(Weight weight) throws IOException {
        float[] values = model.source().floats(weight.tensor());
        for (Weight.Permutation permutation : weight.chain().permutations()) {
            values = permutation.apply(values);
        }
        return values;
    }

    /**
     * The values of a float32 initializer of this graph or of a {@code Constant} node's tensor (as Paddle exports
     * store every parameter), or null when there is none by that name.
     */
    public float[] initializerFloats(String name) {
        TensorProto found = null;
        for (TensorProto initializer : graph.getInitializerList()) {
            if (initializer.getName().equals(name)) {
                found = initializer;
            }
        }
        Integer constant = constantNodes.get(name);
        if (found == null && constant != null) {
            found = graph.getNode(constant).getAttributeList().stream().filter(a -> a.getName().equals("value")
                    && a.hasT()).map(a -> a.getT()).findFirst().orElse(null);
        }
        if (found == null || found.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            return null;
        }
        try {
            return model.source().floats(found);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Removes an initializer (or {@code Constant} node) of this graph that only node {@code nodeIndex} reads (a pass replaced that node by one that
     * reads another tensor), so it is not stored for nothing.
     *
     * @return false, changing nothing, when another node (or a subgraph), a graph input or a graph output names it
     */
    public boolean dropInitializerOnlyReadBy(String name, int nodeIndex) {
        Integer constant = constantNodes.get(name);
        if (graph.getInputList().stream().anyMatch(v -> v.getName().equals(name))
                || graph.getOutputList().stream().anyMatch(v -> v.getName().equals(name))
                || constant == null && graph.getInitializerList().stream().noneMatch(t -> t.getName().equals(name))) {
            return false;
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (i != nodeIndex && reads(graph.getNode(i), name)) {
                return false;
            }
        }
        if (constant != null) {
            removedNodes.add(constant);
        } else {
            removedInitializers.add(name);
        }
        return true;
    }

    private static boolean reads(NodeProto node, String name) {
        if (node.getInputList().contains(name)) {
            return true;
        }
        for (var attribute : node.getAttributeList()) {
            List<GraphProto> subgraphs = new ArrayList<>(attribute.getGraphsList());
            if (attribute.hasG()) {
                subgraphs.add(attribute.getG());
            }
            for (GraphProto subgraph : subgraphs) {
                if (subgraph.getNodeList().stream().anyMatch(n -> reads(n, name))
                        || subgraph.getOutputList().stream().anyMatch(v -> v.getName().equals(name))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The only node of this graph that reads {@code value}, by index, or -1 when none, several, a subgraph or a graph
     * output read it.
     */
    public int soleReader(String value) {
        if (graph.getOutputList().stream().anyMatch(v -> v.getName().equals(value))) {
            return -1;
        }
        int reader = -1;
        for (int i = 0; i < graph.getNodeCount(); i++) {
            if (reads(graph.getNode(i), value)) {
                if (reader >= 0 || !graph.getNode(i).getInputList().contains(value)) {
                    return -1;
                }
                reader = i;
            }
        }
        return reader;
    }

    /** Node {@code index} of this graph as read, before any edit. */
    public NodeProto node(int index) {
        return graph.getNode(index);
    }

    /** True when no pass has replaced or removed node {@code index} yet. */
    public boolean nodeAvailable(int index) {
        return !replacedNodes.containsKey(index) && !removedNodes.contains(index);
    }

    /** True when none of the weight's consumers has been replaced by another pass. */
    public boolean usesAvailable(Weight weight) {
        return weight.uses().stream().noneMatch(use -> replacedNodes.containsKey(use.nodeIndex()));
    }

    /**
     * Replaces the weight with {@code initializers}; {@code decode} nodes (placed first in the graph) must
     * produce a value named {@link Weight#name()} with the original type and shape.
     */
    public void encode(Weight weight, List<TensorProto> initializers, List<NodeProto> decode) {
        remove(weight);
        addedInitializers.addAll(initializers);
        decodeNodes.addAll(decode);
    }

    /**
     * Replaces the weight and every node that reads it: {@code replacements} maps each use's node index to the
     * nodes that take its place, producing the same outputs. Transposes the uses read the weight through are
     * removed with it.
     *
     * @throws IllegalStateException when a consumer was already replaced (check {@link #usesAvailable})
     */
    public void replaceConsumers(Weight weight, List<TensorProto> initializers, Map<Integer, List<NodeProto>> replacements) {
        for (Integer index : replacements.keySet()) {
            if (replacedNodes.containsKey(index)) {
                throw new IllegalStateException("node %d of graph '%s' was already replaced".formatted(index, graph.getName()));
            }
        }
        remove(weight);
        addedInitializers.addAll(initializers);
        replacedNodes.putAll(replacements);
        weight.uses().stream().filter(Weight.Use::transposed).forEach(use -> removedNodes.add(use.transposeIndex()));
    }

    private void remove(Weight weight) {
        String stored = weight.tensor().getName();
        Integer constant = constantNodes.get(stored);
        if (constant != null) {
            removedNodes.add(constant);
        } else {
            removedInitializers.add(stored);
        }
        removedNodes.addAll(weight.chain().nodes());
    }

    boolean changed() {
        return !removedInitializers.isEmpty() || !removedNodes.isEmpty() || !replacedNodes.isEmpty()
                || !addedInitializers.isEmpty();
    }

    /** The graph with all edits applied; {@code rewrittenNodes} already carries rewritten subgraphs. */
    GraphProto apply(List<NodeProto> rewrittenNodes) {
        GraphProto.Builder builder = graph.toBuilder();
        if (!changed()) {
            builder.clearNode().addAllNode(rewrittenNodes);
            return builder.build();
        }
        builder.clearInitializer();
        for (TensorProto initializer : graph.getInitializerList()) {
            if (!removedInitializers.contains(initializer.getName())) {
                builder.addInitializer(initializer);
            }
        }
        builder.addAllInitializer(addedInitializers);
        builder.clearNode();
        builder.addAllNode(decodeNodes);
        for (int i = 0; i < rewrittenNodes.size(); i++) {
            if (removedNodes.contains(i)) {
                continue;
            }
            List<NodeProto> replacement = replacedNodes.get(i);
            if (replacement != null) {
                builder.addAllNode(replacement);
            } else {
                builder.addNode(rewrittenNodes.get(i));
            }
        }
        Set<String> gone = new HashSet<>(removedInitializers);
        for (Integer index : removedNodes) {
            gone.addAll(graph.getNode(index).getOutputList());
        }
        // value_info describing a value that no longer exists (or changed producer) would only confuse tools
        List<ValueInfoProto> kept = graph.getValueInfoList().stream()
                .filter(info -> !gone.contains(info.getName()) || producedByDecode(info.getName()))
                .toList();
        builder.clearValueInfo().addAllValueInfo(kept);
        return builder.build();
    }

    private boolean producedByDecode(String name) {
        return decodeNodes.stream().anyMatch(node -> node.getOutputList().contains(name));
    }
}
