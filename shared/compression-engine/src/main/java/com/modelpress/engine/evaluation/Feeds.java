package com.modelpress.engine.evaluation;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.LinkedHashMap;
import java.util.Map;

/** The input tensors of one sample, in the types the session wants; closes them all. Not thread-safe. */
record Feeds(Map<String, OnnxTensor> tensors) implements AutoCloseable {

    static Feeds of(OrtEnvironment env, OrtSession session, Sample sample) throws OrtException {
        Feeds feeds = new Feeds(new LinkedHashMap<>());
        try {
            for (NodeInfo input : session.getInputInfo().values()) {
                InputSpec spec = InputSpec.of(input);
                feeds.tensors.put(spec.name(),
                        OrtTensors.create(env, spec.name(), sample.inputs().get(spec.name()), spec.type()));
            }
            return feeds;
        } catch (OrtException | RuntimeException e) {
            feeds.close();
            throw e;
        }
    }

    @Override
    public void close() {
        tensors.values().forEach(OnnxTensor::close);
    }
}
