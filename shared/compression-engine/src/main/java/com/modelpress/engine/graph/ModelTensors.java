package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.FunctionProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.TensorProto;

import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Visits and rewrites every tensor of a model that can hold data, or point to external data: initializers, sparse
 * initializers (their {@code values} and {@code indices}), tensor and sparse-tensor attributes, in all subgraphs and
 * functions. Whatever is checked or rewritten through this class is so for every such tensor alike.
 */
final class ModelTensors {

    private ModelTensors() {
    }

    static void forEach(ModelProto model, Consumer<TensorProto> visitor) {
        forEach(model.getGraph(), visitor);
        for (FunctionProto function : model.getFunctionsList()) {
            function.getNodeList().forEach(node -> forEach(node, visitor));
        }
    }

    private static void forEach(GraphProto graph, Consumer<TensorProto> visitor) {
        graph.getInitializerList().forEach(visitor);
        graph.getSparseInitializerList().forEach(sparse -> forEach(sparse, visitor));
        graph.getNodeList().forEach(node -> forEach(node, visitor));
    }

    private static void forEach(SparseTensorProto sparse, Consumer<TensorProto> visitor) {
        if (sparse.hasValues()) {
            visitor.accept(sparse.getValues());
        }
        if (sparse.hasIndices()) {
            visitor.accept(sparse.getIndices());
        }
    }

    private static void forEach(NodeProto node, Consumer<TensorProto> visitor) {
        for (AttributeProto attribute : node.getAttributeList()) {
            if (attribute.hasT()) {
                visitor.accept(attribute.getT());
            }
            attribute.getTensorsList().forEach(visitor);
            if (attribute.hasSparseTensor()) {
                forEach(attribute.getSparseTensor(), visitor);
            }
            attribute.getSparseTensorsList().forEach(sparse -> forEach(sparse, visitor));
            if (attribute.hasG()) {
                forEach(attribute.getG(), visitor);
            }
            attribute.getGraphsList().forEach(graph -> forEach(graph, visitor));
        }
    }

    /** A copy of the model with every tensor replaced by {@code mapper}'s result; the rest is untouched. */
    static ModelProto map(ModelProto model, UnaryOperator<TensorProto> mapper) {
        ModelProto.Builder builder = model.toBuilder();
        builder.setGraph(map(model.getGraph(), mapper));
        for (int i = 0; i < builder.getFunctionsCount(); i++) {
            FunctionProto.Builder function = builder.getFunctions(i).toBuilder();
            for (int n = 0; n < function.getNodeCount(); n++) {
                function.setNode(n, map(function.getNode(n), mapper));
            }
            builder.setFunctions(i, function);
        }
        return builder.build();
    }

    static GraphProto map(GraphProto graph, UnaryOperator<TensorProto> mapper) {
        GraphProto.Builder builder = graph.toBuilder();
        for (int i = 0; i < builder.getInitializerCount(); i++) {
            builder.setInitializer(i, mapper.apply(builder.getInitializer(i)));
        }
        for (int i = 0; i < builder.getSparseInitializerCount(); i++) {
            builder.setSparseInitializer(i, map(builder.getSparseInitializer(i), mapper));
        }
        for (int i = 0; i < builder.getNodeCount(); i++) {
            builder.setNode(i, map(builder.getNode(i), mapper));
        }
        return builder.build();
    }

    private static SparseTensorProto map(SparseTensorProto sparse, UnaryOperator<TensorProto> mapper) {
        SparseTensorProto.Builder builder = sparse.toBuilder();
        if (sparse.hasValues()) {
            builder.setValues(mapper.apply(sparse.getValues()));
        }
        if (sparse.hasIndices()) {
            builder.setIndices(mapper.apply(sparse.getIndices()));
        }
        return builder.build();
    }

    private static NodeProto map(NodeProto node, UnaryOperator<TensorProto> mapper) {
        if (node.getAttributeCount() == 0) {
            return node;
        }
        NodeProto.Builder builder = node.toBuilder();
        for (int i = 0; i < builder.getAttributeCount(); i++) {
            AttributeProto attribute = builder.getAttribute(i);
            if (!attribute.hasT() && attribute.getTensorsCount() == 0 && !attribute.hasSparseTensor()
                    && attribute.getSparseTensorsCount() == 0 && !attribute.hasG() && attribute.getGraphsCount() == 0) {
                continue;
            }
            AttributeProto.Builder changed = attribute.toBuilder();
            if (attribute.hasT()) {
                changed.setT(mapper.apply(attribute.getT()));
            }
            for (int t = 0; t < changed.getTensorsCount(); t++) {
                changed.setTensors(t, mapper.apply(changed.getTensors(t)));
            }
            if (attribute.hasSparseTensor()) {
                changed.setSparseTensor(map(attribute.getSparseTensor(), mapper));
            }
            for (int t = 0; t < changed.getSparseTensorsCount(); t++) {
                changed.setSparseTensors(t, map(changed.getSparseTensors(t), mapper));
            }
            if (attribute.hasG()) {
                changed.setG(map(attribute.getG(), mapper));
            }
            for (int g = 0; g < changed.getGraphsCount(); g++) {
                changed.setGraphs(g, map(changed.getGraphs(g), mapper));
            }
            builder.setAttribute(i, changed);
        }
        return builder.build();
    }
}
