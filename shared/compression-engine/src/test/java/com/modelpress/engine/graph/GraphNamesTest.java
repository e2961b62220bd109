package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.TinyLm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class GraphNamesTest {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @Test
    void subgraphsKeepTheirReferencesAndTheModelComputesTheSame() throws OrtException {
        ModelProto model = OnnxFixtures.withIfBranch(8, 5, 3);
        GraphNames.Compacted compacted = GraphNames.compact(model);

        assertThat(compacted.renamed()).isPositive();
        assertThat(compacted.bytesSaved()).isPositive();
        assertSignatureAndInitializersKept(model.getGraph(), compacted.model().getGraph());
        assertThat(allNodes(compacted.model().getGraph())).allSatisfy(node -> assertThat(node.getName()).isEmpty());
        float[] x = gaussian(2 * 8, 4);
        for (boolean cond : new boolean[] {true, false}) {
            Map<String, float[]> before = run(model, cond, x);
            Map<String, float[]> after = run(compacted.model(), cond, x);
            assertThat(after.get("Y")).containsExactly(before.get("Y"));
        }
    }

    @Test
    void shortNamesSkipNamesTheModelAlreadyUses() throws OrtException {
        ModelProto model = OnnxFixtures.matMul(8, 4, 1);
        GraphProto.Builder graph = model.getGraph().toBuilder();
        // the initializer W becomes "0", the first short name there is
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            if (graph.getInitializer(i).getName().equals("W")) {
                graph.setInitializer(i, graph.getInitializer(i).toBuilder().setName("0"));
            }
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto node = graph.getNode(i);
            List<String> inputs = node.getInputList().stream().map(in -> in.equals("W") ? "0" : in).toList();
            graph.setNode(i, node.toBuilder().clearInput().addAllInput(inputs));
        }
        ModelProto named = model.toBuilder().setGraph(graph).build();

        ModelProto compacted = GraphNames.compact(named).model();

        Set<String> produced = new HashSet<>();
        for (NodeProto node : compacted.getGraph().getNodeList()) {
            for (String output : node.getOutputList()) {
                assertThat(produced.add(output)).as("output %s produced once", output).isTrue();
                assertThat(output).isNotEqualTo("0");
            }
        }
        float[] x = gaussian(3 * 8, 2);
        try (OrtSession a = ENV.createSession(named.toByteArray());
             OrtSession b = ENV.createSession(compacted.toByteArray());
             OnnxTensor input = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {3, 8});
             OrtSession.Result ra = a.run(Map.of("X", input));
             OrtSession.Result rb = b.run(Map.of("X", input))) {
            assertThat(floats(rb.get("Y").orElseThrow())).containsExactly(floats(ra.get("Y").orElseThrow()));
        }
    }

    @Test
    void aRealDecoderGivesTheSameLogitsAndLosesMostOfItsGraphBytes() throws IOException, OrtException {
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(TinyLm.model()));
        GraphNames.Compacted compacted = GraphNames.compact(model);

        long graphBytes = model.getGraph().getNodeList().stream().mapToLong(NodeProto::getSerializedSize).sum();
        assertThat(compacted.bytesSaved()).isGreaterThan(graphBytes / 2);
        assertSignatureAndInitializersKept(model.getGraph(), compacted.model().getGraph());
        int window = 16;
        long[] ids = new long[window];
        long[] positions = new long[window];
        long[] mask = new long[window];
        Random random = new Random(7);
        for (int i = 0; i < window; i++) {
            ids[i] = random.nextInt(4096);
            positions[i] = i;
            mask[i] = 1;
        }
        Map<String, float[]> before = runDecoder(model, ids, positions, mask);
        Map<String, float[]> after = runDecoder(compacted.model(), ids, positions, mask);
        assertThat(after.keySet()).isEqualTo(before.keySet());
        before.forEach((name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
    }

    private static void assertSignatureAndInitializersKept(GraphProto before, GraphProto after) {
        assertThat(after.getInputList()).isEqualTo(before.getInputList());
        assertThat(after.getOutputList().stream().map(ValueInfoProto::getName).toList())
                .isEqualTo(before.getOutputList().stream().map(ValueInfoProto::getName).toList());
        assertThat(after.getInitializerList().stream().map(TensorProto::getName).toList())
                .isEqualTo(before.getInitializerList().stream().map(TensorProto::getName).toList());
    }

    private static List<NodeProto> allNodes(GraphProto graph) {
        List<NodeProto> nodes = new ArrayList<>();
        for (NodeProto node : graph.getNodeList()) {
            nodes.add(node);
            node.getAttributeList().forEach(attribute -> {
                if (attribute.hasG()) {
                    nodes.addAll(allNodes(attribute.getG()));
                }
            });
        }
        return nodes;
    }

    private static Map<String, float[]> run(ModelProto model, boolean cond, float[] x) throws OrtException {
        try (OrtSession session = ENV.createSession(model.toByteArray());
             OnnxTensor c = OnnxTensor.createTensor(ENV, cond);
             OnnxTensor input = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[] {2, 8});
             OrtSession.Result result = session.run(Map.of("cond", c, "X", input))) {
            return Map.of("Y", floats(result.get("Y").orElseThrow()));
        }
    }

    /** Prefill with an empty cache; every output. */
    private static Map<String, float[]> runDecoder(ModelProto model, long[] ids, long[] positions, long[] mask)
            throws OrtException {
        long[] shape = {1, ids.length};
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try (OrtSession session = ENV.createSession(model.toByteArray())) {
            feeds.put("input_ids", OnnxTensor.createTensor(ENV, LongBuffer.wrap(ids), shape));
            feeds.put("attention_mask", OnnxTensor.createTensor(ENV, LongBuffer.wrap(mask), shape));
            feeds.put("position_ids", OnnxTensor.createTensor(ENV, LongBuffer.wrap(positions), shape));
            for (String input : session.getInputNames()) {
                if (input.startsWith("past_key_values")) {
                    feeds.put(input, OnnxTensor.createTensor(ENV, FloatBuffer.allocate(0), new long[] {1, 2, 0, 64}));
                }
            }
            try (OrtSession.Result result = session.run(feeds)) {
                Map<String, float[]> outputs = new LinkedHashMap<>();
                result.forEach(entry -> outputs.put(entry.getKey(), floats(entry.getValue())));
                return outputs;
            }
        } finally {
            feeds.values().forEach(OnnxTensor::close);
        }
    }

    private static float[] floats(OnnxValue value) {
        FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    private static float[] gaussian(int count, long seed) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
