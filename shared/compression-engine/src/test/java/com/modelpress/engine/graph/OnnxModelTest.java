package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OnnxModelTest {

    @TempDir
    Path dir;

    @Test
    void findsWeightsInInitializersConstantNodesAndSubgraphs() throws IOException {
        Path file = OnnxFixtures.write(OnnxFixtures.withIfBranch(16, 8, 1), dir.resolve("if.onnx"));
        List<String> names = new ModelRewriter(OnnxModel.read(file), null).weights().stream().map(Weight::name).toList();
        assertThat(names).contains("W1", "W2");

        Path constant = OnnxFixtures.write(OnnxFixtures.withConstantNode(16, 8, 1), dir.resolve("constant.onnx"));
        List<Weight> weights = new ModelRewriter(OnnxModel.read(constant), null).weights();
        assertThat(weights).anySatisfy(w -> {
            assertThat(w.dims()).containsExactly(16, 8);
            assertThat(w.uses()).singleElement().satisfies(u -> assertThat(u.node().getOpType()).isEqualTo("MatMul"));
        });
    }

    @Test
    void readsExternalDataLazilyAndExactly() throws IOException {
        Path file = OnnxFixtures.withExternalData(dir, 32, 16, 3);
        OnnxModel model = OnnxModel.read(file);
        assertThat(model.externalFiles()).containsExactly(dir.resolve("model.onnx.data").toRealPath());
        TensorProto w = model.proto().getGraph().getInitializerList().stream().filter(t -> t.getName().equals("W")).findFirst().orElseThrow();
        float[] values = model.floats(w);
        assertThat(values).hasSize(32 * 16);
        float[] expected = OnnxFixtures.initializerValues(OnnxFixtures.matMul(32, 16, 3), "W");
        assertThat(values).containsExactly(expected);
    }

    @Test
    void refusesExternalDataOutsideTheModelFolder() throws IOException {
        Files.write(dir.resolve("w.bin"), new byte[64]);
        assertThat(reject(external("/etc/passwd", 0, 64))).hasMessageContaining("absolute");
        assertThat(reject(external("../w.bin", 0, 64))).hasMessageContaining("'..'");
        assertThat(reject(external("missing.bin", 0, 64))).hasMessageContaining("does not exist");
        assertThat(reject(external("w.bin", 32, 64))).hasMessageContaining("ends at byte 96 but the file has 64 bytes");
        assertThat(reject(external("w.bin", 0, 32))).hasMessageContaining("holds 32 bytes but the tensor declares 64");

        Path outside = Files.createTempFile("outside", ".bin");
        Files.write(outside, new byte[64]);
        Files.createSymbolicLink(dir.resolve("link.bin"), outside);
        assertThat(reject(external("link.bin", 0, 64))).hasMessageContaining("outside the model's folder");
        Files.delete(outside);
    }

    @Test
    void rejectsFilesThatAreNotOnnx() throws IOException {
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        Path file = Files.write(dir.resolve("noise.onnx"), noise);
        assertThatThrownBy(() -> OnnxModel.read(file)).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("not a valid ONNX model");
        Path empty = Files.write(dir.resolve("empty.onnx"), new byte[0]);
        assertThatThrownBy(() -> OnnxModel.read(empty)).isInstanceOf(InvalidModelException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> OnnxModel.read(dir.resolve("absent.onnx"))).isInstanceOf(InvalidModelException.class)
                .hasMessageContaining("not found");
    }

    private Throwable reject(ModelProto model) {
        Path file = OnnxFixtures.write(model, dir.resolve("bad.onnx"));
        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> OnnxModel.read(file));
        assertThat(thrown).isInstanceOf(ExternalDataException.class);
        return thrown;
    }

    /** The MatMul fixture with W (16 floats = 64 bytes as [4,4]) pointing at external data. */
    private static ModelProto external(String location, long offset, long length) {
        ModelProto base = OnnxFixtures.matMul(4, 4, 1);
        TensorProto w = base.getGraph().getInitializer(0).toBuilder().clearRawData().clearFloatData()
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue(Long.toString(offset)))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue(Long.toString(length)))
                .build();
        return base.toBuilder().setGraph(base.getGraph().toBuilder().setInitializer(0, w)).build();
    }
}
