package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;

import java.util.HashSet;
import java.util.Set;

/** Every value and node name of a model, so that added names never collide. Not thread-safe. */
public final class NameRegistry {

    private final Set<String> taken = new HashSet<>();

    public NameRegistry(GraphProto graph) {
        collect(graph);
    }

    private void collect(GraphProto graph) {
        graph.getInputList().stream().map(ValueInfoProto::getName).forEach(taken::add);
        graph.getOutputList().stream().map(ValueInfoProto::getName).forEach(taken::add);
        graph.getValueInfoList().stream().map(ValueInfoProto::getName).forEach(taken::add);
        graph.getInitializerList().forEach(t -> taken.add(t.getName()));
        for (NodeProto node : graph.getNodeList()) {
            taken.add(node.getName());
            taken.addAll(node.getInputList());
            taken.addAll(node.getOutputList());
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasG()) {
                    collect(attribute.getG());
                }
                attribute.getGraphsList().forEach(this::collect);
            }
        }
    }

    /** Takes {@code name} if it is free. */
    boolean take(String name) {
        return taken.add(name);
    }

    /** {@code base}, or {@code base_1}, {@code base_2}, … the first that no value or node of the model has, now taken. */
    public String fresh(String base) {
        String candidate = base;
        for (int i = 1; !taken.add(candidate); i++) {
            candidate = base + "_" + i;
        }
        return candidate;
    }
}
