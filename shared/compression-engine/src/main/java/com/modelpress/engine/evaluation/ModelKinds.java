package com.modelpress.engine.evaluation;

import ai.onnx.proto.OnnxMl.GraphProto;

/** The kind of model a graph is ({@link ModelStructure}), for the passes that encode a decoder's tensors differently. */
public final class ModelKinds {

    private ModelKinds() {
    }

    /** True when {@code graph} is a decoder LM: token ids into an embedding table, next-token logits out, causal. */
    public static boolean isDecoderLm(GraphProto graph) {
        return GraphFacts.of(graph).structure().kind() == ModelStructure.Kind.DECODER_LM;
    }
}
