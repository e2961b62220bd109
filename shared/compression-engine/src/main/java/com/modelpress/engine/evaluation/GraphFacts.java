package com.modelpress.engine.evaluation;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.modelpress.engine.InvalidModelException;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the evaluator reads from a model's main graph besides its signature: the vocabulary size behind each
 * token-id input, which graph outputs come straight out of a Softmax or LogSoftmax, and what kind of model it is.
 *
 * @param vocabularies   by graph input name; only inputs that index a constant embedding table
 * @param softmaxOutputs names of graph outputs produced by {@code Softmax}/{@code LogSoftmax}
 * @param structure      the model's kind and, for language models, its attention and KV cache
 */
record GraphFacts(Map<String, Vocabulary> vocabularies, Set<String> softmaxOutputs, ModelStructure structure) {

    /** Ops an id input may pass through, unchanged in value, on its way to an embedding {@code Gather}. */
    private static final Set<String> VALUE_PRESERVING = Set.of(
            "Cast", "Unsqueeze", "Reshape", "Squeeze", "Identity", "Flatten");

    GraphFacts {
        vocabularies = Map.copyOf(vocabularies);
        softmaxOutputs = Set.copyOf(softmaxOutputs);
    }

    /**
     * @param size  rows of the embedding table: valid ids are [0, size)
     * @param table the table's initializer or Constant output name
     */
    record Vocabulary(long size, String table) {}

    /**
     * Parses {@code model}'s protobuf over a read-only mapping of the file, with aliasing so that tensor
     * data is not copied onto the heap: memory stays proportional to the graph, not the weights.
     *
     * @throws InvalidModelException when the file cannot be read or is not an ONNX model
     */
    static GraphFacts read(Path model) {
        try (FileChannel channel = FileChannel.open(model, StandardOpenOption.READ)) {
            if (channel.size() > Integer.MAX_VALUE) {
                throw new InvalidModelException(model + " is " + channel.size()
                        + " bytes; an .onnx file over 2 GiB must keep its weights in external data");
            }
            MappedByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
            CodedInputStream in = UnsafeByteOperations.unsafeWrap(bytes).newCodedInput();
            in.enableAliasing(true);
            in.setSizeLimit(Integer.MAX_VALUE);
            return of(ModelProto.parseFrom(in).getGraph());
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidModelException(model + " is not an ONNX model: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new InvalidModelException("cannot read " + model + ": " + e.getMessage(), e);
        }
    }

    static GraphFacts of(GraphProto graph) {
        Map<String, List<Long>> constants = new HashMap<>();
        for (TensorProto initializer : graph.getInitializerList()) {
            constants.put(initializer.getName(), initializer.getDimsList());
        }
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Constant") && node.getOutputCount() == 1) {
                node.getAttributeList().stream().filter(a -> a.getName().equals("value")).findFirst()
                        .ifPresent(value -> constants.put(node.getOutput(0), value.getT().getDimsList()));
            }
        }
        // a table stored in one float type and cast to another (bf16 weights in a float32 graph) is still constant
        for (NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Cast") && node.getInputCount() == 1 && node.getOutputCount() == 1
                    && constants.containsKey(node.getInput(0))) {
                constants.put(node.getOutput(0), constants.get(node.getInput(0)));
            }
        }
        Map<String, Vocabulary> vocabularies = new HashMap<>();
        graph.getInputList().forEach(input -> vocabulary(graph, constants, input.getName())
                .ifPresent(vocabulary -> vocabularies.put(input.getName(), vocabulary)));

        Set<String> graphOutputs = new HashSet<>();
        graph.getOutputList().forEach(output -> graphOutputs.add(output.getName()));
        Set<String> softmaxOutputs = new HashSet<>();
        for (NodeProto node : graph.getNodeList()) {
            if ((node.getOpType().equals("Softmax") || node.getOpType().equals("LogSoftmax"))
                    && graphOutputs.contains(node.getOutput(0))) {
                softmaxOutputs.add(node.getOutput(0));
            }
        }
        return new GraphFacts(vocabularies, softmaxOutputs, ModelStructure.of(graph, vocabularies));
    }

    /** The smallest table indexed on axis 0 by a {@code Gather} fed by {@code input}, directly or via value-preserving ops. */
    private static Optional<Vocabulary> vocabulary(
            GraphProto graph, Map<String, List<Long>> constants, String input) {
        Set<String> ids = new HashSet<>(Set.of(input));
        boolean grown = true;
        while (grown) {
            grown = false;
            for (NodeProto node : graph.getNodeList()) {
                if (VALUE_PRESERVING.contains(node.getOpType()) && node.getInputCount() > 0
                        && ids.contains(node.getInput(0)) && node.getOutputCount() > 0) {
                    grown |= ids.add(node.getOutput(0));
                }
            }
        }
        Vocabulary smallest = null;
        for (NodeProto node : graph.getNodeList()) {
            if (!node.getOpType().equals("Gather") || node.getInputCount() != 2 || !ids.contains(node.getInput(1))
                    || axis(node) != 0) {
                continue;
            }
            List<Long> dims = constants.get(node.getInput(0));
            if (dims != null && !dims.isEmpty() && (smallest == null || dims.getFirst() < smallest.size())) {
                smallest = new Vocabulary(dims.getFirst(), node.getInput(0));
            }
        }
        return Optional.ofNullable(smallest);
    }

    private static long axis(NodeProto gather) {
        return gather.getAttributeList().stream().filter(a -> a.getName().equals("axis"))
                .mapToLong(AttributeProto::getI).findFirst().orElse(0);
    }
}
