package com.modelpress.engine.evaluation;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.modelpress.contracts.FidelityReport.KvCachePair;
import com.modelpress.contracts.FidelityReport.ModelInfo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What kind of model a graph is, read from the graph alone (no ONNX Runtime): a decoder LM (logits over the
 * vocabulary of its token-id input, and causal: a KV cache, a causal contrib attention op, or a causal mask built
 * with {@code Trilu} or a comparison of {@code Range}s), an encoder (token ids into an embedding table), a vision
 * model (a float NCHW input into a {@code Conv}), or something else; and for language models the shape of their
 * attention.
 *
 * <p>Attention facts come from the most direct evidence the graph holds: the KV cache's dimensions
 * ({@code [batch, kvHeads, past, headDim]}), the attributes of {@code com.microsoft} attention ops, and for plain
 * attention subgraphs the width of the query projection next to the key/value projections it shares its input with.
 * A fact the graph does not show is null rather than guessed.
 *
 * @param kind         never null
 * @param attention    nullable: {@value #GQA}, {@value #MHA}, {@value #ATTENTION} or {@value #SUBGRAPH}
 * @param layers       nullable
 * @param heads        nullable
 * @param kvHeads      nullable
 * @param headDim      nullable
 * @param vocabulary   nullable
 * @param tokenInput   nullable: the graph input holding token ids
 * @param logitsOutput nullable: the graph output holding next-token logits
 * @param tied         the embedding table also feeds the LM head
 * @param cache        KV-cache input → output pairs, in graph input order
 */
record ModelStructure(Kind kind, String attention, Integer layers, Integer heads, Integer kvHeads, Integer headDim,
                      Long vocabulary, String tokenInput, String logitsOutput, boolean tied, List<CachePair> cache) {

    static final String GQA = "GroupQueryAttention";
    static final String MHA = "MultiHeadAttention";
    static final String ATTENTION = "Attention";
    static final String SUBGRAPH = "subgraph";

    private static final Pattern LAYER_INDEX = Pattern.compile("(\\d+)");
    private static final Set<String> COMPARISONS = Set.of("Less", "LessOrEqual", "Greater", "GreaterOrEqual");
    /** How far up from a comparison a {@code Range} may be for the comparison to count as a causal mask. */
    private static final int MASK_DEPTH = 6;

    ModelStructure {
        cache = List.copyOf(cache);
    }

    enum Kind {
        DECODER_LM("decoder-lm"), ENCODER("encoder"), VISION("vision"), OTHER("other");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        String id() {
            return id;
        }
    }

    /**
     * @param past     the graph input the cache is fed through
     * @param present  the graph output it comes back as
     * @param elemType the ONNX element type of the input
     */
    record CachePair(String past, String present, int elemType) {}

    /** A decoder LM whose logits and cache the evaluator can drive. */
    boolean isDecoder() {
        return kind == Kind.DECODER_LM && tokenInput != null && logitsOutput != null;
    }

    boolean hasCache() {
        return !cache.isEmpty();
    }

    ModelInfo info() {
        return new ModelInfo(kind.id(), attention, layers, heads, kvHeads, headDim, vocabulary, tied, logitsOutput,
                cache.stream().map(pair -> new KvCachePair(pair.past(), pair.present())).toList());
    }

    /** @param vocabularies the embedding tables behind the token-id inputs, as {@link GraphFacts} found them */
    static ModelStructure of(GraphProto graph, Map<String, GraphFacts.Vocabulary> vocabularies) {
        Map<String, ValueInfoProto> inputs = new LinkedHashMap<>();
        graph.getInputList().forEach(input -> inputs.put(input.getName(), input));
        Set<String> initializers = new HashSet<>();
        graph.getInitializerList().forEach(tensor -> initializers.add(tensor.getName()));
        inputs.keySet().removeAll(initializers);
        Map<String, ValueInfoProto> outputs = new LinkedHashMap<>();
        graph.getOutputList().forEach(output -> outputs.put(output.getName(), output));

        List<CachePair> cache = cachePairs(inputs, outputs);
        Integer kvHeads = null;
        Integer headDim = null;
        for (CachePair pair : cache) {
            long[] dims = dims(inputs.get(pair.past()));
            // [batch, kvHeads, past, headDim], or [2, batch, kvHeads, past, headDim] for a fused key/value cache
            int offset = dims.length == 5 ? 1 : 0;
            if (dims.length == 4 || dims.length == 5) {
                kvHeads = kvHeads != null ? kvHeads : positive(dims[1 + offset]);
                headDim = headDim != null ? headDim : positive(dims[3 + offset]);
            }
        }

        String attention = null;
        Integer heads = null;
        int attentionOps = 0;
        boolean causal = !cache.isEmpty();
        for (NodeProto node : graph.getNodeList()) {
            String op = node.getOpType();
            if (!node.getDomain().equals("com.microsoft") || !(op.equals(GQA) || op.equals(MHA) || op.equals(ATTENTION))) {
                continue;
            }
            attentionOps++;
            attention = attention == null ? op : attention;
            heads = heads != null ? heads : attribute(node, "num_heads").map(Math::toIntExact).orElse(null);
            if (op.equals(GQA)) {
                kvHeads = kvHeads != null ? kvHeads : attribute(node, "kv_num_heads").map(Math::toIntExact).orElse(null);
                causal = true; // GroupQueryAttention is causal by definition
            } else if (attribute(node, "unidirectional").orElse(0L) == 1) {
                causal = true;
            }
        }
        long softmaxes = graph.getNodeList().stream().filter(n -> n.getOpType().equals("Softmax")
                && !outputs.containsKey(n.getOutput(0))).count();
        if (attention == null && softmaxes > 0) {
            attention = SUBGRAPH;
        }
        causal |= causalMask(graph);

        String tokenInput = vocabularies.keySet().stream().filter(inputs::containsKey).sorted().findFirst().orElse(null);
        GraphFacts.Vocabulary table = tokenInput == null ? null : vocabularies.get(tokenInput);
        Long vocabulary = table == null ? null : table.size();
        String logits = logitsOutput(outputs, vocabulary);
        if (vocabulary == null && logits != null) {
            long[] dims = dims(outputs.get(logits));
            vocabulary = dims.length > 0 && dims[dims.length - 1] > 0 ? dims[dims.length - 1] : null;
        }
        boolean tied = table != null && tied(graph, table.table());

        Integer layers = cacheLayers(cache);
        if (layers == null && attentionOps > 0) {
            layers = attentionOps;
        } else if (layers == null && attention != null) {
            layers = Math.toIntExact(softmaxes);
        }
        if (heads == null && kvHeads != null && headDim != null) {
            heads = headsFromProjections(graph, initializerDims(graph), kvHeads, headDim);
        }

        Kind kind;
        if (tokenInput != null && logits != null && causal) {
            kind = Kind.DECODER_LM;
        } else if (tokenInput != null) {
            kind = Kind.ENCODER;
        } else if (vision(graph, inputs)) {
            kind = Kind.VISION;
        } else {
            kind = Kind.OTHER;
        }
        boolean language = kind == Kind.DECODER_LM || kind == Kind.ENCODER;
        return new ModelStructure(kind, language ? attention : null, language ? layers : null, language ? heads : null,
                language ? kvHeads : null, language ? headDim : null, language ? vocabulary : null, tokenInput,
                kind == Kind.DECODER_LM ? logits : null, language && tied, cache);
    }

    /** {@code past…} inputs paired with the {@code present…} outputs they come back as. */
    private static List<CachePair> cachePairs(Map<String, ValueInfoProto> inputs, Map<String, ValueInfoProto> outputs) {
        List<CachePair> pairs = new ArrayList<>();
        for (ValueInfoProto input : inputs.values()) {
            String name = input.getName();
            if (!name.toLowerCase(Locale.ROOT).contains("past") || !input.getType().hasTensorType()) {
                continue;
            }
            int type = input.getType().getTensorType().getElemType();
            if (!floatType(type)) {
                continue;
            }
            for (String candidate : List.of(name.replace("past_key_values", "present"),
                    name.replace("past_key_values", "present_key_values"), name.replace("past_key", "present_key"),
                    name.replace("past", "present"))) {
                if (!candidate.equals(name) && outputs.containsKey(candidate)) {
                    pairs.add(new CachePair(name, candidate, type));
                    break;
                }
            }
        }
        return pairs;
    }

    /** Distinct layer numbers in the cache's names, else one layer per key/value pair. */
    private static Integer cacheLayers(List<CachePair> cache) {
        if (cache.isEmpty()) {
            return null;
        }
        Set<String> indices = new TreeSet<>();
        for (CachePair pair : cache) {
            Matcher number = LAYER_INDEX.matcher(pair.past());
            if (number.find()) {
                indices.add(number.group(1));
            }
        }
        if (indices.size() > 0 && cache.size() % indices.size() == 0) {
            return indices.size();
        }
        boolean split = cache.stream().anyMatch(p -> p.past().toLowerCase(Locale.ROOT).contains("key"));
        return split ? Math.max(1, cache.size() / 2) : cache.size();
    }

    /** An output named like logits, else a float output whose last dimension is the vocabulary. */
    private static String logitsOutput(Map<String, ValueInfoProto> outputs, Long vocabulary) {
        String byDimension = null;
        for (ValueInfoProto output : outputs.values()) {
            if (!output.getType().hasTensorType() || !floatType(output.getType().getTensorType().getElemType())) {
                continue;
            }
            long[] dims = dims(output);
            if (dims.length < 2) {
                continue;
            }
            if (output.getName().toLowerCase(Locale.ROOT).contains("logit")) {
                return output.getName();
            }
            if (byDimension == null && vocabulary != null && dims[dims.length - 1] == vocabulary) {
                byDimension = output.getName();
            }
        }
        return byDimension;
    }

    /** The table is read by a MatMul or Gemm too, directly or through a Transpose: one matrix, embedding and head. */
    private static boolean tied(GraphProto graph, String table) {
        Set<String> views = new HashSet<>(Set.of(table));
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Transpose") && node.getInputCount() == 1 && node.getInput(0).equals(table)) {
                views.add(node.getOutput(0));
            }
        }
        return graph.getNodeList().stream()
                .filter(node -> node.getOpType().equals("MatMul") || node.getOpType().equals("Gemm"))
                .anyMatch(node -> node.getInputList().stream().anyMatch(views::contains));
    }

    /** A {@code Trilu}, or a comparison with a {@code Range} a few nodes above it: the way exporters build causal masks. */
    private static boolean causalMask(GraphProto graph) {
        Map<String, NodeProto> producers = new HashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            node.getOutputList().forEach(output -> producers.put(output, node));
            if (node.getOpType().equals("Trilu")) {
                return true;
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            if (!COMPARISONS.contains(node.getOpType())) {
                continue;
            }
            Set<String> seen = new HashSet<>();
            Deque<Map.Entry<String, Integer>> queue = new ArrayDeque<>();
            node.getInputList().forEach(input -> queue.add(Map.entry(input, 0)));
            while (!queue.isEmpty()) {
                Map.Entry<String, Integer> next = queue.poll();
                NodeProto producer = producers.get(next.getKey());
                if (producer == null || !seen.add(next.getKey()) || next.getValue() > MASK_DEPTH) {
                    continue;
                }
                if (producer.getOpType().equals("Range")) {
                    return true;
                }
                producer.getInputList().forEach(input -> queue.add(Map.entry(input, next.getValue() + 1)));
            }
        }
        return false;
    }

    /**
     * Query heads from a plain attention subgraph: among MatMuls with constant {@code [K, N]} weights that share
     * their input, the key/value projections are {@code kvHeads × headDim} wide and the query projection is
     * {@code heads × headDim} wide; three equally wide projections mean as many query heads as key/value heads.
     */
    private static Integer headsFromProjections(GraphProto graph, Map<String, List<Long>> constants, int kvHeads,
                                                int headDim) {
        long kvWidth = (long) kvHeads * headDim;
        Map<String, List<Long>> widthsByInput = new LinkedHashMap<>();
        for (NodeProto node : graph.getNodeList()) {
            if (!node.getOpType().equals("MatMul") || node.getInputCount() != 2) {
                continue;
            }
            List<Long> dims = constants.get(node.getInput(1));
            if (dims != null && dims.size() == 2) {
                widthsByInput.computeIfAbsent(node.getInput(0), k -> new ArrayList<>()).add(dims.get(1));
            }
        }
        for (List<Long> widths : widthsByInput.values()) {
            long kv = widths.stream().filter(w -> w == kvWidth).count();
            if (kv == 0 || widths.size() < 2) {
                continue;
            }
            Optional<Long> query = widths.stream().filter(w -> w != kvWidth && w % headDim == 0).findFirst();
            if (query.isPresent() && kv >= 2) {
                return Math.toIntExact(query.get() / headDim);
            }
            if (kv >= 3) {
                return kvHeads;
            }
        }
        return null;
    }

    private static boolean vision(GraphProto graph, Map<String, ValueInfoProto> inputs) {
        boolean image = inputs.values().stream().anyMatch(input -> input.getType().hasTensorType()
                && floatType(input.getType().getTensorType().getElemType()) && dims(input).length == 4);
        return image && graph.getNodeList().stream().anyMatch(node -> node.getOpType().equals("Conv"));
    }

    private static Map<String, List<Long>> initializerDims(GraphProto graph) {
        Map<String, List<Long>> dims = new HashMap<>();
        for (TensorProto initializer : graph.getInitializerList()) {
            dims.put(initializer.getName(), initializer.getDimsList());
        }
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Constant") && node.getOutputCount() == 1) {
                node.getAttributeList().stream().filter(a -> a.getName().equals("value")).findFirst()
                        .ifPresent(value -> dims.put(node.getOutput(0), value.getT().getDimsList()));
            }
        }
        return dims;
    }

    /** Fixed sizes, -1 for symbolic or unknown dimensions; empty when the shape is unknown. */
    static long[] dims(ValueInfoProto value) {
        if (value == null || !value.getType().hasTensorType() || !value.getType().getTensorType().hasShape()) {
            return new long[0];
        }
        List<TensorShapeProto.Dimension> dims = value.getType().getTensorType().getShape().getDimList();
        long[] sizes = new long[dims.size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = dims.get(i).hasDimValue() ? dims.get(i).getDimValue() : -1;
        }
        return sizes;
    }

    private static Integer positive(long size) {
        return size > 0 ? Math.toIntExact(size) : null;
    }

    private static Optional<Long> attribute(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst()
                .map(AttributeProto::getI);
    }

    private static boolean floatType(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE || type == TensorProto.DataType.FLOAT16_VALUE
                || type == TensorProto.DataType.BFLOAT16_VALUE || type == TensorProto.DataType.DOUBLE_VALUE;
    }
}
