package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Walks every graph of a model (main graph first, then {@code If}/{@code Loop}/{@code Scan} bodies), shows
 * each constant tensor to a {@link WeightVisitor}, and assembles the rewritten model. Graph inputs, outputs,
 * metadata, doc strings and everything no visitor touched are carried over unchanged.
 *
 * <p>Not thread-safe; one instance per compression.
 */
public final class ModelRewriter {

    /** Sees one weight with the scope it lives in; may leave it alone. */
    @FunctionalInterface
    public interface WeightVisitor {
        void visit(Weight weight, RewriteScope scope) throws IOException;
    }

    private final OnnxModel source;
    private final ScratchSpace scratch;
    private final NameRegistry names;
    private final Map<String, Long> requiredDomains = new LinkedHashMap<>();
    private final int opset;
    private DecodedValuesListener decodedValuesListener;
    private boolean graphOrder;
    private Boolean decoderLm;

    public ModelRewriter(OnnxModel source, ScratchSpace scratch) {
        this.source = source;
        this.scratch = scratch;
        this.names = new NameRegistry(source.proto().getGraph());
        this.opset = (int) source.proto().getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(OperatorSetIdProto::getVersion).max().orElse(1);
    }

    /** Makes passes tell {@code listener} the values each rewritten main-graph initializer decodes to. */
    public ModelRewriter onDecoded(DecodedValuesListener listener) {
        this.decodedValuesListener = listener;
        return this;
    }

    /**
     * Visits (and lists) the main graph's weights in the order the graph first reads them, rather than in
     * initializer order: layer after layer, as calibration in groups computes their statistics.
     */
    public ModelRewriter inGraphOrder() {
        this.graphOrder = true;
        return this;
    }

    DecodedValuesListener decodedValuesListener() {
        return decodedValuesListener;
    }

    /** Every weight of the model (all graphs), for planning and progress; does not rewrite anything. */
    public List<Weight> weights() {
        List<Weight> all = new ArrayList<>();
        collectWeights(source.proto().getGraph(), all);
        return all;
    }

    private void collectWeights(GraphProto graph, List<Weight> into) {
        into.addAll(ordered(graph, weightsOf(graph, new HashMap<>())));
        for (NodeProto node : graph.getNodeList()) {
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasG()) {
                    collectWeights(attribute.getG(), into);
                }
                attribute.getGraphsList().forEach(g -> collectWeights(g, into));
            }
        }
    }

    /** Shows every weight to {@code visitor} and returns the model with all edits applied. */
    public ModelProto rewrite(WeightVisitor visitor) throws IOException {
        GraphProto graph;
        try {
            graph = rewrite(source.proto().getGraph(), visitor);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        ModelProto.Builder model = source.proto().toBuilder().setGraph(graph);
        for (Map.Entry<String, Long> domain : requiredDomains.entrySet()) {
            boolean present = model.getOpsetImportList().stream().anyMatch(o -> o.getDomain().equals(domain.getKey()));
            if (!present) {
                model.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain.getKey()).setVersion(domain.getValue()));
            }
        }
        return model.build();
    }

    private GraphProto rewrite(GraphProto graph, WeightVisitor visitor) throws IOException {
        List<NodeProto> nodes = new ArrayList<>(graph.getNodeCount());
        for (NodeProto node : graph.getNodeList()) {
            nodes.add(rewriteSubgraphs(node, visitor));
        }
        Map<String, Integer> constantNodes = new HashMap<>();
        List<Weight> weights = ordered(graph, weightsOf(graph, constantNodes));
        RewriteScope scope = new RewriteScope(this, graph, constantNodes, graph == source.proto().getGraph());
        for (Weight weight : weights) {
            visitor.visit(weight, scope);
        }
        return scope.apply(nodes);
    }

    private NodeProto rewriteSubgraphs(NodeProto node, WeightVisitor visitor) throws IOException {
        boolean hasGraphs = node.getAttributeList().stream().anyMatch(a -> a.hasG() || a.getGraphsCount() > 0);
        if (!hasGraphs) {
            return node;
        }
        NodeProto.Builder builder = node.toBuilder();
        for (int i = 0; i < builder.getAttributeCount(); i++) {
            AttributeProto attribute = builder.getAttribute(i);
            if (!attribute.hasG() && attribute.getGraphsCount() == 0) {
                continue;
            }
            AttributeProto.Builder changed = attribute.toBuilder();
            if (attribute.hasG()) {
                changed.setG(rewrite(attribute.getG(), visitor));
            }
            for (int g = 0; g < changed.getGraphsCount(); g++) {
                changed.setGraphs(g, rewrite(changed.getGraphs(g), visitor));
            }
            builder.setAttribute(i, changed);
        }
        return builder.build();
    }

    /** The main graph's weights by {@link #position} when {@link #inGraphOrder()} was asked for (stable). */
    private List<Weight> ordered(GraphProto graph, List<Weight> weights) {
        if (!graphOrder || graph != source.proto().getGraph()) {
            return weights;
        }
        List<Weight> sorted = new ArrayList<>(weights);
        sorted.sort(java.util.Comparator.comparingInt(ModelRewriter::position));
        return sorted;
    }

    /**
     * Where a weight comes in graph order: its first reader other than a row lookup ({@code Gather} of it as data),
     * else its first reader. A table tied to an LM head thus comes at the head's product, where the activation
     * calibration observes for it is computed, not at the embedding lookup at the start of the graph.
     */
    private static int position(Weight weight) {
        int first = Integer.MAX_VALUE;
        for (Weight.Use use : weight.uses()) {
            NodeProto node = use.node();
            boolean lookup = node.getOpType().equals("Gather") && node.getDomain().isEmpty() && use.inputIndex() == 0
                    && !use.transposed();
            if (!lookup) {
                return use.nodeIndex();
            }
            first = Math.min(first, use.nodeIndex());
        }
        return first;
    }

    /** The weights of one graph: its initializers and its {@code Constant} nodes holding a tensor. */
    private static List<Weight> weightsOf(GraphProto graph, Map<String, Integer> constantNodes) {
        Set<String> escaping = new HashSet<>();
        Map<String, String> boundaries = new HashMap<>();
        graph.getOutputList().forEach(o -> boundaries.put(o.getName(), "a graph output"));
        graph.getInputList().forEach(i -> boundaries.putIfAbsent(i.getName(),
                "also a graph input, which a caller may override"));
        escaping.addAll(boundaries.keySet());
        Map<String, List<Weight.Use>> uses = new HashMap<>();
        Map<String, List<Weight.Use>> subgraphUses = new HashMap<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            for (int slot = 0; slot < node.getInputCount(); slot++) {
                uses.computeIfAbsent(node.getInput(slot), k -> new ArrayList<>()).add(new Weight.Use(i, node, slot));
            }
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasG()) {
                    collectReferences(attribute.getG(), escaping, subgraphUses);
                }
                attribute.getGraphsList().forEach(g -> collectReferences(g, escaping, subgraphUses));
            }
        }
        Map<String, TensorProto> constants = new HashMap<>();
        graph.getInitializerList().forEach(t -> constants.put(t.getName(), t));
        List<Weight> weights = new ArrayList<>();
        List<Integer> constantIndices = new ArrayList<>();
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            if (!node.getOpType().equals("Constant") || !node.getDomain().isEmpty() || node.getOutputCount() != 1) {
                continue;
            }
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.getName().equals("value") && attribute.hasT()) {
                    constants.put(node.getOutput(0), attribute.getT());
                    constantIndices.add(i);
                }
            }
        }
        Graph scope = new Graph(graph, uses, subgraphUses, escaping, boundaries, constants);
        for (TensorProto initializer : graph.getInitializerList()) {
            weights.add(scope.weight(initializer.getName(), initializer));
        }
        for (int i : constantIndices) {
            String name = graph.getNode(i).getOutput(0);
            constantNodes.put(name, i);
            weights.add(scope.weight(name, constants.get(name).toBuilder().setName(name).build()));
        }
        return weights;
    }

    /** Types a weight may be cast between and still be looked through. */
    private static final Set<Integer> FLOAT_TYPES = Set.of(TensorProto.DataType.FLOAT_VALUE,
            TensorProto.DataType.FLOAT16_VALUE, TensorProto.DataType.BFLOAT16_VALUE);

    /** What {@link #weightsOf} learned about one graph, for presenting each weight. */
    private record Graph(GraphProto graph, Map<String, List<Weight.Use>> uses, Map<String, List<Weight.Use>> subgraphUses,
                         Set<String> escaping, Map<String, String> boundaries, Map<String, TensorProto> constants) {

        /**
         * The weight {@code name} as its consumers see it: through a chain of single-reader Identity, float Cast,
         * constant-shape Reshape and Transpose nodes (see {@link Weight}), and with {@code Transpose(perm=[1,0])}
         * consumers of a 2-D weight replaced by their own consumers.
         */
        Weight weight(String name, TensorProto tensor) {
            String value = name;
            long[] dims = tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
            int type = tensor.getDataType();
            Weight.Cast cast = null;
            List<Integer> through = new ArrayList<>();
            List<Weight.Permutation> permutations = new ArrayList<>();
            while (FLOAT_TYPES.contains(tensor.getDataType())) {
                List<Weight.Use> direct = uses.getOrDefault(value, List.of());
                if (direct.size() != 1 || escaping.contains(value) || direct.getFirst().inputIndex() != 0) {
                    break;
                }
                NodeProto node = direct.getFirst().node();
                // a graph output must keep its producer: the chain stops before it
                if (!node.getDomain().isEmpty() || node.getOutputCount() != 1 || boundaries.containsKey(node.getOutput(0))) {
                    break;
                }
                long[] next = dims;
                switch (node.getOpType()) {
                    case "Identity" -> { }
                    case "Cast" -> {
                        int to = (int) Nodes.intAttribute(node, "to", 0);
                        if (!FLOAT_TYPES.contains(to)) {
                            next = null;
                        } else {
                            type = to;
                            cast = new Weight.Cast(direct.getFirst().nodeIndex(), to);
                        }
                    }
                    case "Reshape" -> next = reshaped(node, dims);
                    case "Transpose" -> {
                        int[] perm = permutation(node, dims.length);
                        // a matrix transpose stays a transposed use: products and lookups then share one stored table
                        if (perm == null || dims.length == 2 && perm[0] == 1) {
                            next = null;
                        } else {
                            permutations.add(new Weight.Permutation(dims, perm));
                            next = new long[dims.length];
                            for (int axis = 0; axis < dims.length; axis++) {
                                next[axis] = dims[perm[axis]];
                            }
                        }
                    }
                    default -> next = null;
                }
                if (next == null) {
                    break;
                }
                dims = next;
                through.add(direct.getFirst().nodeIndex());
                value = node.getOutput(0);
            }
            TensorProto presented = through.isEmpty() ? tensor
                    : tensor.toBuilder().clearDims().addAllDims(java.util.Arrays.stream(dims).boxed().toList()).build();
            List<Weight.Use> seen = new ArrayList<>();
            for (Weight.Use use : uses.getOrDefault(value, List.of())) {
                NodeProto node = use.node();
                List<Weight.Use> transposed = dims.length == 2 && isMatrixTranspose(node)
                        && !escaping.contains(node.getOutput(0)) ? uses.getOrDefault(node.getOutput(0), List.of()) : List.of();
                if (transposed.isEmpty()) {
                    seen.add(use);
                } else {
                    transposed.forEach(t -> seen.add(new Weight.Use(t.nodeIndex(), t.node(), t.inputIndex(), use.nodeIndex())));
                }
            }
            List<Weight.Use> nested = subgraphUses.getOrDefault(value, List.of());
            Map<String, List<Weight.Use>> sliced = new HashMap<>();
            for (Weight.Use use : concat(seen, nested)) {
                NodeProto node = use.node();
                if (node.getOpType().equals("Slice") && node.getDomain().isEmpty() && use.inputIndex() == 0
                        && !use.transposed() && node.getOutputCount() == 1 && !boundaries.containsKey(node.getOutput(0))) {
                    List<Weight.Use> after = readersOf(node.getOutput(0), dims.length);
                    if (!after.isEmpty()) {
                        sliced.put(node.getOutput(0), after);
                    }
                }
            }
            return new Weight(value, presented, seen, escaping.contains(value), cast,
                    new Weight.Chain(through, permutations), nested, boundaries.get(value), sliced);
        }

        /**
         * The readers of {@code name} in this scope or a subgraph, with the consumers of a matrix {@code Transpose} in
         * its place, marked transposed.
         */
        private List<Weight.Use> readersOf(String name, int rank) {
            return readersOf(name, rank, 0);
        }

        /**
         * As {@link #readersOf(String, int)}, looking through {@code Concat} and {@code Unsqueeze} nodes that only
         * reassemble slices (an LSTM exported with its gate blocks reordered: Slice → Concat → Unsqueeze → LSTM), up to
         * {@value #REASSEMBLY_DEPTH} deep.
         */
        private List<Weight.Use> readersOf(String name, int rank, int depth) {
            List<Weight.Use> readers = new ArrayList<>();
            for (Weight.Use use : concat(uses.getOrDefault(name, List.of()), subgraphUses.getOrDefault(name, List.of()))) {
                NodeProto node = use.node();
                boolean reassembles = node.getDomain().isEmpty() && node.getOutputCount() == 1
                        && (node.getOpType().equals("Concat") || node.getOpType().equals("Unsqueeze") && use.inputIndex() == 0)
                        && !boundaries.containsKey(node.getOutput(0)) && depth < REASSEMBLY_DEPTH;
                if (reassembles) {
                    List<Weight.Use> after = readersOf(node.getOutput(0), rank, depth + 1);
                    if (!after.isEmpty()) {
                        readers.addAll(after);
                        continue;
                    }
                }
                List<Weight.Use> transposed = rank == 2 && isMatrixTranspose(node)
                        ? concat(uses.getOrDefault(node.getOutput(0), List.of()),
                                subgraphUses.getOrDefault(node.getOutput(0), List.of()))
                        : List.of();
                if (transposed.isEmpty()) {
                    readers.add(use);
                } else {
                    transposed.forEach(t -> readers.add(new Weight.Use(t.nodeIndex(), t.node(), t.inputIndex(), use.nodeIndex())));
                }
            }
            return readers;
        }

        private static final int REASSEMBLY_DEPTH = 4;

        private static List<Weight.Use> concat(List<Weight.Use> a, List<Weight.Use> b) {
            List<Weight.Use> both = new ArrayList<>(a);
            both.addAll(b);
            return both;
        }

        /** The output dims of a {@code Reshape} of {@code dims} to a constant shape, or null when not constant. */
        private long[] reshaped(NodeProto node, long[] dims) {
            long[] shape;
            if (node.getInputCount() >= 2) {
                TensorProto target = constants.get(node.getInput(1));
                if (target == null || target.getDataType() != TensorProto.DataType.INT64_VALUE || target.getDimsCount() != 1
                        || OnnxModel.isExternal(target)) {
                    return null;
                }
                shape = int64Values(target);
            } else {
                shape = node.getAttributeList().stream().filter(a -> a.getName().equals("shape")).findFirst()
                        .map(a -> a.getIntsList().stream().mapToLong(Long::longValue).toArray()).orElse(null);
            }
            if (shape == null) {
                return null;
            }
            boolean allowZero = Nodes.intAttribute(node, "allowzero", 0) == 1;
            long elements = 1;
            for (long dim : dims) {
                elements *= dim;
            }
            long[] out = new long[shape.length];
            int inferred = -1;
            long known = 1;
            for (int axis = 0; axis < shape.length; axis++) {
                long size = shape[axis];
                if (size == 0 && !allowZero) {
                    if (axis >= dims.length) {
                        return null;
                    }
                    size = dims[axis];
                }
                if (size == -1) {
                    if (inferred >= 0) {
                        return null;
                    }
                    inferred = axis;
                    continue;
                }
                if (size < 0) {
                    return null;
                }
                out[axis] = size;
                known *= size;
            }
            if (inferred >= 0) {
                if (known == 0 || elements % known != 0) {
                    return null;
                }
                out[inferred] = elements / known;
                known = elements;
            }
            return known == elements ? out : null;
        }

        private static long[] int64Values(TensorProto tensor) {
            if (tensor.hasRawData()) {
                java.nio.LongBuffer longs = tensor.getRawData().asReadOnlyByteBuffer()
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
                long[] values = new long[longs.remaining()];
                longs.get(values);
                return values;
            }
            return tensor.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }

        /** A Transpose node's permutation of {@code rank} axes (reversed when it has none), or null when malformed. */
        private static int[] permutation(NodeProto node, int rank) {
            int[] perm = new int[rank];
            for (int axis = 0; axis < rank; axis++) {
                perm[axis] = rank - 1 - axis;
            }
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.getName().equals("perm")) {
                    if (attribute.getIntsCount() != rank) {
                        return null;
                    }
                    boolean[] seen = new boolean[rank];
                    for (int axis = 0; axis < rank; axis++) {
                        long from = attribute.getInts(axis);
                        if (from < 0 || from >= rank || seen[(int) from]) {
                            return null;
                        }
                        seen[(int) from] = true;
                        perm[axis] = (int) from;
                    }
                }
            }
            return perm;
        }
    }

    private static boolean isMatrixTranspose(NodeProto node) {
        if (!node.getOpType().equals("Transpose") || !node.getDomain().isEmpty() || node.getOutputCount() != 1) {
            return false;
        }
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.getName().equals("perm")) {
                return attribute.getIntsList().equals(List.of(1L, 0L));
            }
        }
        return true; // no perm: reverses the axes, which for a matrix is [1, 0]
    }

    /**
     * Every name read inside a subgraph, nested ones included (over-approximates its outer-scope reads), and the
     * nodes that read each name.
     */
    private static void collectReferences(GraphProto graph, Set<String> into, Map<String, List<Weight.Use>> readers) {
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            into.addAll(node.getInputList());
            for (int slot = 0; slot < node.getInputCount(); slot++) {
                readers.computeIfAbsent(node.getInput(slot), k -> new ArrayList<>()).add(new Weight.Use(i, node, slot));
            }
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasG()) {
                    collectReferences(attribute.getG(), into, readers);
                }
                attribute.getGraphsList().forEach(g -> collectReferences(g, into, readers));
            }
        }
        graph.getOutputList().stream().map(ValueInfoProto::getName).forEach(into::add);
    }
    OnnxModel source() {
        return source;
    }

    /** True when the model is a decoder LM ({@link com.modelpress.engine.evaluation.ModelKinds}); read once. */
    boolean decoderLm() {
        if (decoderLm == null) {
            decoderLm = com.modelpress.engine.evaluation.ModelKinds.isDecoderLm(source.proto().getGraph());
        }
        return decoderLm;
    }

    ScratchSpace scratch() {
        return scratch;
    }

    NameRegistry names() {
        return names;
    }

    /** The model's default-domain opset version. */
    public int opset() {
        return opset;
    }

    void requireDomain(String domain, long version) {
        requiredDomains.putIfAbsent(domain, version);
    }
}
