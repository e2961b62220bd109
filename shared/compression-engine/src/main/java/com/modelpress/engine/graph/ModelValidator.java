package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ModelDefect;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The checks a parsed model passes before ONNX Runtime (or a compression pass) sees it. Every check is a
 * counting pass over the protobuf: nothing is allocated in proportion to what a tensor <em>declares</em>, so a
 * tiny file declaring a terabyte tensor costs nothing.
 *
 * <ul>
 *   <li>header: an {@code ir_version}, and an {@code opset_import} for every domain a node uses;</li>
 *   <li>tensors (initializers, sparse initializers, tensor attributes, in every subgraph and function): a known
 *       data type, non-negative dims whose element and byte counts fit in 64 bits, values in the field that
 *       belongs to the data type, and exactly the bytes or values the dims declare;</li>
 *   <li>graphs (the main graph and every subgraph): the main graph has nodes and outputs; no value, graph input,
 *       initializer or graph output is defined twice; every node input and graph output is defined (a subgraph
 *       may read its enclosing graphs' values); no cycle, counting the values subgraphs read; an initializer has
 *       the element type the graph declares for it.</li>
 * </ul>
 *
 * <p>Whether each operator exists is left to ONNX Runtime, whose refusal is reported as
 * {@link ModelDefect#UNSUPPORTED_OPERATOR}. Stateless.
 */
final class ModelValidator {

    private ModelValidator() {
    }

    /** The archive or compression format {@code bytes} starts with, or null; does not move the buffer. */
    static String containerFormat(ByteBuffer bytes) {
        int limit = bytes.limit();
        if (limit >= 4 && bytes.get(0) == 'P' && bytes.get(1) == 'K' && bytes.get(2) == 3 && bytes.get(3) == 4) {
            return "zip archive";
        }
        if (limit >= 2 && (bytes.get(0) & 0xff) == 0x1f && (bytes.get(1) & 0xff) == 0x8b) {
            return "gzip file";
        }
        if (limit >= 262) {
            byte[] magic = new byte[5];
            bytes.get(257, magic);
            if (new String(magic, StandardCharsets.US_ASCII).equals("ustar")) {
                return "tar archive";
            }
        }
        return null;
    }

    /** The parser's complaint as the defect it reveals. */
    static InvalidModelException unparsable(String file, InvalidProtocolBufferException e) {
        String reason = String.valueOf(e.getMessage());
        String lower = reason.toLowerCase(Locale.ROOT);
        if (lower.contains("too many levels of nesting")) {
            return new InvalidModelException(ModelDefect.TOO_DEEP, "%s nests protobuf messages deeper than %d levels"
                    .formatted(file, OnnxModel.RECURSION_LIMIT), e);
        }
        if (lower.contains("input ended unexpectedly") || lower.contains("truncated")) {
            return new InvalidModelException(ModelDefect.TRUNCATED,
                    "%s ends in the middle of a protobuf field: the file is truncated".formatted(file), e);
        }
        return new InvalidModelException(ModelDefect.NOT_ONNX, "not a valid ONNX model (%s): %s".formatted(file, reason), e);
    }

    /**
     * @param file the model's file name, for messages
     * @throws InvalidModelException naming the first failed check's {@link ModelDefect}
     */
    static void check(ModelProto model, String file) {
        if (!model.hasGraph()) {
            throw new InvalidModelException(ModelDefect.NOT_ONNX, "%s has no graph: it is not an ONNX model".formatted(file));
        }
        if (model.getIrVersion() <= 0) {
            throw new InvalidModelException(ModelDefect.INVALID_HEADER,
                    "%s declares no ir_version (was %d)".formatted(file, model.getIrVersion()));
        }
        GraphProto main = model.getGraph();
        if (main.getNodeCount() == 0) {
            throw new InvalidModelException(ModelDefect.EMPTY_GRAPH,
                    "graph '%s' has no nodes: there is nothing to compress or run".formatted(main.getName()));
        }
        if (main.getOutputCount() == 0) {
            throw new InvalidModelException(ModelDefect.EMPTY_GRAPH, "graph '%s' has no outputs".formatted(main.getName()));
        }
        Set<String> domains = new HashSet<>();
        for (OperatorSetIdProto opset : model.getOpsetImportList()) {
            domains.add(domain(opset.getDomain()));
        }
        model.getFunctionsList().forEach(function -> function.getOpsetImportList()
                .forEach(opset -> domains.add(domain(opset.getDomain()))));
        ModelTensors.forEach(model, ModelValidator::checkTensor);
        new GraphCheck(domains).check(main, Set.of(), "graph '" + main.getName() + "'");
        for (var function : model.getFunctionsList()) {
            for (NodeProto node : function.getNodeList()) {
                checkDomain(domains, node, "function '" + function.getName() + "'");
            }
        }
    }

    private static String domain(String domain) {
        return domain.equals("ai.onnx") ? "" : domain;
    }

    private static void checkDomain(Set<String> domains, NodeProto node, String where) {
        if (!domains.contains(domain(node.getDomain()))) {
            throw new InvalidModelException(ModelDefect.INVALID_HEADER,
                    "%s: node %s uses domain '%s', which the model's opset_import does not declare"
                            .formatted(where, describe(node), node.getDomain()));
        }
    }

    // ---------------------------------------------------------------- tensors

    /** How a data type's values are stored in the typed fields of a TensorProto. */
    private enum Field { FLOAT, INT32, STRING, INT64, DOUBLE, UINT64 }

    /**
     * @param field       the typed field the values belong in
     * @param perField    values in that field per element (2 for complex); for packed 4-bit types, 0.5
     * @param bitsPerItem bits per element in raw_data; 0 for strings (no raw form)
     */
    private record TypeLayout(String name, Field field, double perField, int bitsPerItem) {}

    private static TypeLayout layout(int type) {
        return switch (type) {
            case DataType.FLOAT_VALUE -> new TypeLayout("float32", Field.FLOAT, 1, 32);
            case DataType.UINT8_VALUE -> new TypeLayout("uint8", Field.INT32, 1, 8);
            case DataType.INT8_VALUE -> new TypeLayout("int8", Field.INT32, 1, 8);
            case DataType.UINT16_VALUE -> new TypeLayout("uint16", Field.INT32, 1, 16);
            case DataType.INT16_VALUE -> new TypeLayout("int16", Field.INT32, 1, 16);
            case DataType.INT32_VALUE -> new TypeLayout("int32", Field.INT32, 1, 32);
            case DataType.INT64_VALUE -> new TypeLayout("int64", Field.INT64, 1, 64);
            case DataType.STRING_VALUE -> new TypeLayout("string", Field.STRING, 1, 0);
            case DataType.BOOL_VALUE -> new TypeLayout("bool", Field.INT32, 1, 8);
            case DataType.FLOAT16_VALUE -> new TypeLayout("float16", Field.INT32, 1, 16);
            case DataType.DOUBLE_VALUE -> new TypeLayout("float64", Field.DOUBLE, 1, 64);
            case DataType.UINT32_VALUE -> new TypeLayout("uint32", Field.UINT64, 1, 32);
            case DataType.UINT64_VALUE -> new TypeLayout("uint64", Field.UINT64, 1, 64);
            case DataType.COMPLEX64_VALUE -> new TypeLayout("complex64", Field.FLOAT, 2, 64);
            case DataType.COMPLEX128_VALUE -> new TypeLayout("complex128", Field.DOUBLE, 2, 128);
            case DataType.BFLOAT16_VALUE -> new TypeLayout("bfloat16", Field.INT32, 1, 16);
            case 17, 18, 19, 20 -> new TypeLayout("float8", Field.INT32, 1, 8);
            case 21 -> new TypeLayout("uint4", Field.INT32, 0.5, 4);
            case 22 -> new TypeLayout("int4", Field.INT32, 0.5, 4);
            case 23 -> new TypeLayout("float4e2m1", Field.INT32, 0.5, 4);
            default -> null;
        };
    }

    /** Checks one dense tensor's type, shape and data size; external data is checked against its file later. */
    static void checkTensor(TensorProto tensor) {
        String name = tensor.getName();
        int type = tensor.getDataType();
        TypeLayout layout = layout(type);
        if (layout == null) {
            throw new InvalidModelException(ModelDefect.INVALID_DTYPE, type == 0
                    ? "tensor '%s' has no data type".formatted(name)
                    : "tensor '%s' has the unknown data type %d".formatted(name, type));
        }
        long elements = 1;
        for (long dim : tensor.getDimsList()) {
            if (dim < 0) {
                throw new InvalidModelException(ModelDefect.INVALID_SHAPE,
                        "tensor '%s' has a negative dimension in %s".formatted(name, tensor.getDimsList()));
            }
            if (dim != 0 && elements > Long.MAX_VALUE / dim) {
                throw new InvalidModelException(ModelDefect.INVALID_SHAPE,
                        "tensor '%s' declares dims %s: more elements than 64 bits can count".formatted(name, tensor.getDimsList()));
            }
            elements *= dim;
        }
        if (layout.bitsPerItem() > 0 && elements > Long.MAX_VALUE / layout.bitsPerItem()) {
            throw new InvalidModelException(ModelDefect.INVALID_SHAPE,
                    "tensor '%s' declares dims %s of %s: more bytes than 64 bits can count"
                            .formatted(name, tensor.getDimsList(), layout.name()));
        }
        if (OnnxModel.isExternal(tensor)) {
            return;
        }
        long rawBytes = (elements * layout.bitsPerItem() + 7) / 8;
        Map<Field, Integer> populated = populatedFields(tensor);
        if (tensor.hasRawData() && !populated.isEmpty() || populated.size() > 1) {
            List<String> fields = new ArrayList<>(tensor.hasRawData() ? List.of("raw_data") : List.of());
            populated.keySet().forEach(field -> fields.add(fieldName(field)));
            throw new InvalidModelException(ModelDefect.INVALID_DTYPE,
                    "tensor '%s' (%s) holds values in %s at once".formatted(name, layout.name(), String.join(" and ", fields)));
        }
        if (tensor.hasRawData()) {
            if (layout.bitsPerItem() == 0) {
                throw new InvalidModelException(ModelDefect.INVALID_DTYPE,
                        "tensor '%s' is a string tensor but holds raw_data".formatted(name));
            }
            long actual = tensor.getRawData().size();
            if (actual != rawBytes) {
                throw new InvalidModelException(ModelDefect.TENSOR_SIZE_MISMATCH,
                        "tensor '%s' declares dims %s of %s (%d bytes) but its raw_data holds %d bytes"
                                .formatted(name, tensor.getDimsList(), layout.name(), rawBytes, actual));
            }
            return;
        }
        if (populated.isEmpty()) {
            if (elements != 0) {
                throw new InvalidModelException(ModelDefect.TENSOR_SIZE_MISMATCH,
                        "tensor '%s' declares dims %s of %s (%d elements) but holds no data"
                                .formatted(name, tensor.getDimsList(), layout.name(), elements));
            }
            return;
        }
        Map.Entry<Field, Integer> values = populated.entrySet().iterator().next();
        if (values.getKey() != layout.field()) {
            throw new InvalidModelException(ModelDefect.INVALID_DTYPE,
                    "tensor '%s' is %s but keeps its values in %s (the field for %s values is %s)"
                            .formatted(name, layout.name(), fieldName(values.getKey()), layout.name(), fieldName(layout.field())));
        }
        long expected = (long) Math.ceil(elements * layout.perField());
        if (values.getValue() != expected) {
            throw new InvalidModelException(ModelDefect.TENSOR_SIZE_MISMATCH,
                    "tensor '%s' declares dims %s of %s (%d values) but its %s holds %d"
                            .formatted(name, tensor.getDimsList(), layout.name(), expected, fieldName(layout.field()),
                                    values.getValue()));
        }
    }

    private static Map<Field, Integer> populatedFields(TensorProto tensor) {
        Map<Field, Integer> counts = new java.util.EnumMap<>(Field.class);
        put(counts, Field.FLOAT, tensor.getFloatDataCount());
        put(counts, Field.INT32, tensor.getInt32DataCount());
        put(counts, Field.STRING, tensor.getStringDataCount());
        put(counts, Field.INT64, tensor.getInt64DataCount());
        put(counts, Field.DOUBLE, tensor.getDoubleDataCount());
        put(counts, Field.UINT64, tensor.getUint64DataCount());
        return counts;
    }

    private static void put(Map<Field, Integer> counts, Field field, int count) {
        if (count > 0) {
            counts.put(field, count);
        }
    }

    private static String fieldName(Field field) {
        return field.name().toLowerCase(Locale.ROOT) + "_data";
    }

    // ---------------------------------------------------------------- graphs

    /** Names, definitions and cycles of one graph and, recursively, its subgraphs. */
    private record GraphCheck(Set<String> domains) {

        /**
         * The named checks in the order their failures are reported: names listed once, initializers' declared types,
         * values produced once, every read defined (subgraphs checked where their node is), graph outputs, no cycle.
         *
         * @param outer values the enclosing graphs define, visible to this graph's nodes
         * @return the values this graph (with its subgraphs) reads from enclosing graphs
         */
        Set<String> check(GraphProto graph, Set<String> outer, String where) {
            Set<String> inputs = inputs(graph, where);
            Map<String, TensorProto> initializers = initializers(graph, where);
            checkDeclaredTypes(graph, initializers, where);
            Map<String, Integer> producer = producers(graph, inputs, initializers, where);
            Set<String> defined = new HashSet<>(inputs);
            defined.addAll(initializers.keySet());
            graph.getSparseInitializerList().forEach(sparse -> defined.add(sparse.getValues().getName()));
            defined.addAll(producer.keySet());
            Set<String> visible = new HashSet<>(outer);
            visible.addAll(defined);

            List<Set<String>> reads = reads(graph, visible, where);
            Set<String> free = new LinkedHashSet<>();
            reads.forEach(nodeReads -> nodeReads.stream().filter(name -> !defined.contains(name)).forEach(free::add));
            free.addAll(outputsFromOutside(graph, visible, defined, where));
            checkAcyclic(graph, producer, reads, where);
            return free;
        }

        /** The graph's inputs, each listed once. */
        private static Set<String> inputs(GraphProto graph, String where) {
            Set<String> inputs = new HashSet<>();
            for (ValueInfoProto input : graph.getInputList()) {
                if (!inputs.add(input.getName())) {
                    throw duplicate(where, "graph input '%s' is listed twice".formatted(input.getName()));
                }
            }
            return inputs;
        }

        /** The dense initializers by name, each defined once, and no sparse one defined again (its tensors checked). */
        private static Map<String, TensorProto> initializers(GraphProto graph, String where) {
            Map<String, TensorProto> initializers = new HashMap<>();
            for (TensorProto initializer : graph.getInitializerList()) {
                if (initializers.put(initializer.getName(), initializer) != null) {
                    throw duplicate(where, "initializer '%s' is defined twice".formatted(initializer.getName()));
                }
            }
            for (SparseTensorProto sparse : graph.getSparseInitializerList()) {
                String name = sparse.getValues().getName();
                if (initializers.containsKey(name)) {
                    throw duplicate(where, "initializer '%s' is defined twice".formatted(name));
                }
                checkTensor(sparse.getValues());
                checkTensor(sparse.getIndices());
            }
            return initializers;
        }

        /** The node that produces each value: one node per value, never a graph input or initializer. */
        private static Map<String, Integer> producers(GraphProto graph, Set<String> inputs,
                                                      Map<String, TensorProto> initializers, String where) {
            Map<String, Integer> producer = new HashMap<>();
            for (int i = 0; i < graph.getNodeCount(); i++) {
                NodeProto node = graph.getNode(i);
                for (String output : node.getOutputList()) {
                    if (output.isEmpty()) {
                        continue;
                    }
                    Integer earlier = producer.putIfAbsent(output, i);
                    if (earlier != null) {
                        throw duplicate(where, "value '%s' is produced by node %s and by node %s"
                                .formatted(output, describe(graph.getNode(earlier)), describe(node)));
                    }
                    if (inputs.contains(output) || initializers.containsKey(output)) {
                        throw duplicate(where, "node %s produces '%s', which is already a graph input or initializer"
                                .formatted(describe(node), output));
                    }
                }
            }
            return producer;
        }

        /**
         * What each node reads, in node order: its inputs, each {@code visible}, and what its subgraphs read from
         * outside them (each subgraph checked here, in turn); every node's domain declared.
         */
        private List<Set<String>> reads(GraphProto graph, Set<String> visible, String where) {
            List<Set<String>> reads = new ArrayList<>(graph.getNodeCount());
            for (NodeProto node : graph.getNodeList()) {
                checkDomain(domains, node, where);
                Set<String> nodeReads = new LinkedHashSet<>();
                for (String input : node.getInputList()) {
                    if (input.isEmpty()) {
                        continue; // an omitted optional input
                    }
                    if (!visible.contains(input)) {
                        throw new InvalidModelException(ModelDefect.UNDEFINED_VALUE,
                                "%s: node %s reads '%s', which no node, initializer or graph input defines"
                                        .formatted(where, describe(node), input));
                    }
                    nodeReads.add(input);
                }
                nodeReads.addAll(subgraphReads(node, visible, where));
                reads.add(nodeReads);
            }
            return reads;
        }

        /** What the node's subgraphs (each checked) read from the graphs around them. */
        private Set<String> subgraphReads(NodeProto node, Set<String> visible, String where) {
            Set<String> reads = new LinkedHashSet<>();
            for (AttributeProto attribute : node.getAttributeList()) {
                List<GraphProto> subgraphs = new ArrayList<>(attribute.getGraphsList());
                if (attribute.hasG()) {
                    subgraphs.add(attribute.getG());
                }
                for (GraphProto subgraph : subgraphs) {
                    reads.addAll(check(subgraph, visible, "%s, node %s, subgraph '%s'"
                            .formatted(where, describe(node), attribute.getName())));
                }
            }
            return reads;
        }

        /**
         * Checks each graph output is listed once and {@code visible}; returns those an enclosing graph defines (not
         * {@code defined} here), in order.
         */
        private static Set<String> outputsFromOutside(GraphProto graph, Set<String> visible, Set<String> defined,
                                                      String where) {
            Set<String> outputs = new HashSet<>();
            Set<String> outside = new LinkedHashSet<>();
            for (ValueInfoProto output : graph.getOutputList()) {
                if (!outputs.add(output.getName())) {
                    throw duplicate(where, "graph output '%s' is listed twice".formatted(output.getName()));
                }
                if (!visible.contains(output.getName())) {
                    throw new InvalidModelException(ModelDefect.UNDEFINED_VALUE,
                            "%s: graph output '%s' is not produced by any node, initializer or graph input"
                                    .formatted(where, output.getName()));
                }
                if (!defined.contains(output.getName())) {
                    outside.add(output.getName());
                }
            }
            return outside;
        }

        /** Kahn's algorithm over the nodes; the node list need not be sorted, only sortable. */
        private static void checkAcyclic(GraphProto graph, Map<String, Integer> producer, List<Set<String>> reads,
                                         String where) {
            int n = graph.getNodeCount();
            int[] pending = new int[n];
            List<List<Integer>> consumers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                consumers.add(new ArrayList<>());
            }
            for (int i = 0; i < n; i++) {
                Set<Integer> sources = new HashSet<>();
                for (String read : reads.get(i)) {
                    Integer source = producer.get(read);
                    if (source != null) {
                        sources.add(source);
                    }
                }
                pending[i] = sources.size();
                for (int source : sources) {
                    consumers.get(source).add(i);
                }
            }
            ArrayDeque<Integer> ready = new ArrayDeque<>();
            for (int i = 0; i < n; i++) {
                if (pending[i] == 0) {
                    ready.add(i);
                }
            }
            int sorted = 0;
            while (!ready.isEmpty()) {
                int node = ready.poll();
                sorted++;
                for (int consumer : consumers.get(node)) {
                    if (--pending[consumer] == 0) {
                        ready.add(consumer);
                    }
                }
            }
            if (sorted < n) {
                List<String> stuck = new ArrayList<>();
                for (int i = 0; i < n && stuck.size() < 3; i++) {
                    if (pending[i] > 0) {
                        stuck.add(describe(graph.getNode(i)));
                    }
                }
                throw new InvalidModelException(ModelDefect.CYCLE, "%s: %d nodes depend on each other in a cycle, e.g. %s"
                        .formatted(where, n - sorted, String.join(", ", stuck)));
            }
        }

        /** An initializer's element type must match what graph inputs, outputs and value_info declare for it. */
        private static void checkDeclaredTypes(GraphProto graph, Map<String, TensorProto> initializers, String where) {
            List<ValueInfoProto> declared = new ArrayList<>(graph.getInputList());
            declared.addAll(graph.getValueInfoList());
            declared.addAll(graph.getOutputList());
            for (ValueInfoProto value : declared) {
                TensorProto initializer = initializers.get(value.getName());
                if (initializer == null || !value.getType().hasTensorType()) {
                    continue;
                }
                int declaredType = value.getType().getTensorType().getElemType();
                if (declaredType != 0 && declaredType != initializer.getDataType()) {
                    TypeLayout declaredLayout = layout(declaredType);
                    throw new InvalidModelException(ModelDefect.INVALID_DTYPE,
                            "%s: initializer '%s' is %s but the graph declares it as %s".formatted(where, value.getName(),
                                    layout(initializer.getDataType()).name(),
                                    declaredLayout == null ? "type " + declaredType : declaredLayout.name()));
                }
            }
        }

        private static InvalidModelException duplicate(String where, String what) {
            return new InvalidModelException(ModelDefect.DUPLICATE_NAME, where + ": " + what);
        }
    }

    private static String describe(NodeProto node) {
        String op = node.getDomain().isEmpty() ? node.getOpType() : node.getDomain() + "::" + node.getOpType();
        return node.getName().isEmpty() ? "(unnamed %s)".formatted(op) : "'%s' (%s)".formatted(node.getName(), op);
    }
}
