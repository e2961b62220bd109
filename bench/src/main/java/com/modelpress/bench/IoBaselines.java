package com.modelpress.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import ai.onnx.proto.OnnxMl;

/**
 * The least work any compressor must do with a model file, to put compression throughput in perspective:
 * copy its bytes, or parse and re-serialise its protobuf.
 */
final class IoBaselines {

    private IoBaselines() {
    }

    /** Copies {@code model} to {@code target}, replacing it. */
    static void copy(Path model, Path target) throws IOException {
        Files.copy(model, target, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Parses {@code model} as an ONNX {@code ModelProto} (weights included) and writes it to {@code target}.
     *
     * @return the parsed model's serialised size in bytes
     */
    static long protobufRoundTrip(Path model, Path target) throws IOException {
        OnnxMl.ModelProto parsed;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(model), 1 << 16)) {
            parsed = OnnxMl.ModelProto.parseFrom(in);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target), 1 << 16)) {
            parsed.writeTo(out);
        }
        return parsed.getSerializedSize();
    }
}
