package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes models. A model is written with external data (one {@code <file>.data} next to it) when its source
 * already used external data or when it would not fit a protobuf (2 GB). Tensor bytes are streamed from
 * their mapped source; nothing is buffered whole.
 *
 * <p>Thread-safe: instances hold only settings.
 */
public final class ModelWriter {

    /** Protobuf's hard limit, less headroom for the graph itself. */
    static final long DEFAULT_INLINE_LIMIT = (1L << 31) - (64L << 20);
    /** Tensors smaller than this stay inside the protobuf even in external mode, as ONNX's own tools do. */
    static final long EXTERNAL_THRESHOLD = 1024;

    private final long inlineLimit;

    public ModelWriter() {
        this(DEFAULT_INLINE_LIMIT);
    }

    /** @param inlineLimit total tensor bytes above which external data is used */
    public ModelWriter(long inlineLimit) {
        this.inlineLimit = inlineLimit;
    }

    /**
     * @param dataFiles external data files written next to the model (absolute), empty when inline
     * @param totalBytes model file plus data files
     */
    public record Written(Path file, List<Path> dataFiles, long totalBytes) {}

    /**
     * Writes {@code model} to {@code output}. Tensors still stored as external data of {@code source} are read
     * from there.
     */
    public Written write(ModelProto model, OnnxModel source, Path output) throws IOException {
        Path target = output.toAbsolutePath().normalize();
        Files.createDirectories(target.getParent());
        AtomicLong tensorBytes = new AtomicLong();
        ModelTensors.forEach(model, tensor -> tensorBytes.addAndGet(TensorCodec.dataBytes(tensor)));
        boolean external = !source.externalFiles().isEmpty() || tensorBytes.get() > inlineLimit;
        List<Path> dataFiles = new ArrayList<>();
        ModelProto toWrite;
        if (external) {
            Path dataFile = target.resolveSibling(target.getFileName() + ".data");
            try (FileChannel data = FileChannel.open(dataFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ExternalAppender appender = new ExternalAppender(source, data, dataFile.getFileName().toString());
                toWrite = ModelTensors.map(model, appender::externalize);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            dataFiles.add(dataFile);
        } else {
            try {
                toWrite = ModelTensors.map(model, tensor -> inline(source, tensor));
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
        try (OutputStream out = Files.newOutputStream(target)) {
            CodedOutputStream coded = CodedOutputStream.newInstance(out, 1 << 16);
            toWrite.writeTo(coded);
            coded.flush();
        }
        long total = Files.size(target);
        for (Path dataFile : dataFiles) {
            total += Files.size(dataFile);
        }
        return new Written(target, List.copyOf(dataFiles), total);
    }

    private static TensorProto inline(OnnxModel source, TensorProto tensor) {
        if (!OnnxModel.isExternal(tensor)) {
            return tensor;
        }
        try {
            return tensor.toBuilder()
                    .clearExternalData()
                    .clearDataLocation()
                    .setRawData(source.rawBytes(tensor))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Appends tensor bytes to one data file and rewrites tensors to point at them. */
    private static final class ExternalAppender {
        private final OnnxModel source;
        private final FileChannel data;
        private final String location;
        private long position;

        ExternalAppender(OnnxModel source, FileChannel data, String location) {
            this.source = source;
            this.data = data;
            this.location = location;
        }

        TensorProto externalize(TensorProto tensor) {
            boolean isExternal = OnnxModel.isExternal(tensor);
            if (!isExternal && (TensorCodec.elementSize(tensor.getDataType()) == 0
                    || TensorCodec.dataBytes(tensor) < EXTERNAL_THRESHOLD)) {
                return tensor;
            }
            try {
                ByteString bytes = source.rawBytes(tensor);
                // page-align large tensors so ONNX Runtime can memory-map them
                long alignment = bytes.size() >= (1 << 20) ? 4096 : 64;
                position = (position + alignment - 1) / alignment * alignment;
                long offset = position;
                for (ByteBuffer chunk : bytes.asReadOnlyByteBufferList()) {
                    while (chunk.hasRemaining()) {
                        position += data.write(chunk, position);
                    }
                }
                return tensor.toBuilder()
                        .clearRawData()
                        .clearFloatData().clearInt32Data().clearInt64Data().clearDoubleData().clearUint64Data()
                        .clearExternalData()
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", location))
                        .addExternalData(entry("offset", Long.toString(offset)))
                        .addExternalData(entry("length", Long.toString(bytes.size())))
                        .build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static StringStringEntryProto entry(String key, String value) {
            return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
        }
    }
}
