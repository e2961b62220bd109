package com.modelpress.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThroughputTest {

    @Test
    void bestOfRunsTheActionOncePerRun() throws Exception {
        AtomicInteger calls = new AtomicInteger();

        ThroughputRow row = ThroughputRow.bestOf("noop", 1_000_000, 3, calls::incrementAndGet);

        assertThat(calls).hasValue(3);
        assertThat(row.runs()).isEqualTo(3);
        assertThat(row.bestSeconds()).isPositive();
    }

    @Test
    void megabytesPerSecondIsDecimalMegabytesOverTheBestTime() {
        assertThat(new ThroughputRow("x", 90_000_000, 0.5, 3).megabytesPerSecond()).isCloseTo(180.0, within(1e-9));
        assertThat(ThroughputTable.markdown(List.of(new ThroughputRow("Files.copy", 90_000_000, 0.5, 3))))
                .endsWith("| Files.copy | 90.0 | 0.50 | 180.0 |\n");
    }

    @Test
    void protobufRoundTripWritesAnEquivalentModel(@TempDir Path dir) throws Exception {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(OnnxMl.GraphProto.newBuilder()
                        .setName("g")
                        .addInitializer(OnnxMl.TensorProto.newBuilder()
                                .setName("w").addDims(2).addDims(2)
                                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                                .setRawData(ByteString.copyFrom(new byte[16]))))
                .build();
        Path source = dir.resolve("model.onnx");
        Files.write(source, model.toByteArray());

        long size = IoBaselines.protobufRoundTrip(source, dir.resolve("round-trip.onnx"));
        IoBaselines.copy(source, dir.resolve("copy.onnx"));

        assertThat(size).isEqualTo(Files.size(source));
        assertThat(OnnxMl.ModelProto.parseFrom(Files.readAllBytes(dir.resolve("round-trip.onnx")))).isEqualTo(model);
        assertThat(dir.resolve("copy.onnx")).hasSameBinaryContentAs(source);
    }
}
