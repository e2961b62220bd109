package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.modelpress.engine.testing.OnnxFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ModelWriterTest {

    @TempDir
    Path dir;

    @Test
    void inlineRoundTripIsByteIdentical() throws IOException {
        ModelProto model = OnnxFixtures.matMul(64, 32, 1).toBuilder()
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("author").setValue("fixture"))
                .setDocString("a doc string").build();
        Path input = OnnxFixtures.write(model, dir.resolve("in.onnx"));
        OnnxModel read = OnnxModel.read(input);
        ModelWriter.Written written = new ModelWriter().write(read.proto(), read, dir.resolve("out.onnx"));

        assertThat(written.dataFiles()).isEmpty();
        assertThat(Files.mismatch(input, written.file())).isEqualTo(-1);
    }

    @Test
    void modelsOverTheInlineLimitGetExternalData() throws IOException {
        Path input = OnnxFixtures.write(OnnxFixtures.matMul(256, 128, 2), dir.resolve("in.onnx"));
        OnnxModel read = OnnxModel.read(input);
        ModelWriter.Written written = new ModelWriter(16 * 1024).write(read.proto(), read, dir.resolve("out.onnx"));

        assertThat(written.dataFiles()).containsExactly(dir.resolve("out.onnx.data"));
        OnnxModel back = OnnxModel.read(written.file());
        TensorProto w = back.proto().getGraph().getInitializer(0);
        assertThat(OnnxModel.isExternal(w)).isTrue();
        assertThat(w.getExternalDataList()).anySatisfy(e -> {
            assertThat(e.getKey()).isEqualTo("location");
            assertThat(e.getValue()).isEqualTo("out.onnx.data");
        });
        assertThat(back.floats(w)).containsExactly(read.floats(read.proto().getGraph().getInitializer(0)));
        // the rest of the model is untouched
        assertThat(back.proto().getGraph().getNodeList()).isEqualTo(read.proto().getGraph().getNodeList());
        assertThat(back.proto().getGraph().getInputList()).isEqualTo(read.proto().getGraph().getInputList());
    }

    @Test
    void externalDataRoundTripKeepsTensorBytes() throws IOException {
        Path input = OnnxFixtures.withExternalData(Files.createDirectories(dir.resolve("src")), 128, 64, 3);
        OnnxModel read = OnnxModel.read(input);
        Path out = Files.createDirectories(dir.resolve("dst")).resolve("copy.onnx");
        ModelWriter.Written written = new ModelWriter().write(read.proto(), read, out);

        assertThat(written.dataFiles()).hasSize(1);
        OnnxModel back = OnnxModel.read(out);
        for (int i = 0; i < read.proto().getGraph().getInitializerCount(); i++) {
            TensorProto before = read.proto().getGraph().getInitializer(i);
            TensorProto after = back.proto().getGraph().getInitializer(i);
            assertThat(back.rawBytes(after)).isEqualTo(read.rawBytes(before));
            assertThat(after.getDimsList()).isEqualTo(before.getDimsList());
        }
    }
}
