package com.modelpress.engine.graph;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.ModelDefect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * An ONNX model read from disk. The protobuf is parsed from a memory-mapped file with aliasing, so tensor
 * bytes stay in the page cache until used; external data is mapped per tensor on demand. Memory therefore
 * follows the largest tensor being worked on, not the model.
 *
 * <p>Immutable and thread-safe once read.
 */
public final class OnnxModel {

    /** Nesting deeper than this is rejected as hostile; real models nest subgraphs a few levels at most. */
    static final int RECURSION_LIMIT = 100;

    private final Path file;
    private final Path directory;
    private final ModelProto proto;
    private final Set<Path> externalFiles;

    private OnnxModel(Path file, ModelProto proto, Set<Path> externalFiles) {
        this.file = file;
        this.directory = file.toAbsolutePath().getParent();
        this.proto = proto;
        this.externalFiles = Set.copyOf(externalFiles);
    }

    /**
     * Reads and validates a model before anything else sees it: at most 2 GiB, no archive, protobuf well-formed
     * and nested at most {@value #RECURSION_LIMIT} levels, the checks of {@link ModelValidator} (tensor bytes
     * against dims and data type, names, definitions, cycles), and external data references confined to the model's
     * folder and within their files.
     *
     * @throws InvalidModelException when the file is missing, not ONNX, or fails a check; its {@code defect()} says
     *                               which
     */
    public static OnnxModel read(Path file) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(absolute)) {
            throw new InvalidModelException(ModelDefect.NOT_FOUND, "model file not found: " + file);
        }
        long size = Files.size(absolute);
        String name = String.valueOf(absolute.getFileName());
        if (size == 0) {
            throw new InvalidModelException(ModelDefect.EMPTY_FILE, "model file is empty: " + file);
        }
        if (size > Integer.MAX_VALUE) {
            throw new InvalidModelException(ModelDefect.TOO_LARGE,
                    "model file %s is %d bytes; a protobuf cannot exceed 2 GiB, store weights as external data"
                            .formatted(name, size));
        }
        ModelProto proto;
        try (FileChannel channel = FileChannel.open(absolute, StandardOpenOption.READ)) {
            ByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
            String container = ModelValidator.containerFormat(mapped);
            if (container != null) {
                throw new InvalidModelException(ModelDefect.NOT_ONNX,
                        "%s is a %s, not an ONNX model; extract it and pass the .onnx file inside".formatted(name, container));
            }
            // unsafeWrap marks the buffer immutable, which lets the parser alias bytes fields instead of copying
            CodedInputStream input = UnsafeByteOperations.unsafeWrap(mapped).newCodedInput();
            input.enableAliasing(true);
            input.setSizeLimit(Integer.MAX_VALUE);
            input.setRecursionLimit(RECURSION_LIMIT);
            proto = ModelProto.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            throw ModelValidator.unparsable(name, e);
        } catch (StackOverflowError e) {
            // the recursion limit should make this unreachable; a hostile file must still get a clear answer
            throw new InvalidModelException(ModelDefect.TOO_DEEP,
                    "%s nests messages too deeply to parse".formatted(name));
        }
        ModelValidator.check(proto, name);
        Set<Path> external = new LinkedHashSet<>();
        Path directory = absolute.getParent();
        ModelTensors.forEach(proto, tensor -> {
            if (isExternal(tensor)) {
                external.add(checkExternal(directory, tensor).file());
            }
        });
        return new OnnxModel(absolute, proto, external);
    }

    public ModelProto proto() {
        return proto;
    }

    public Path file() {
        return file;
    }

    public Path directory() {
        return directory;
    }

    /** External data files the model references, absolute; empty when all data is inside the protobuf. */
    public Set<Path> externalFiles() {
        return externalFiles;
    }

    /** Model file plus its external data files, in bytes. */
    public long totalBytes() throws IOException {
        long total = Files.size(file);
        for (Path external : externalFiles) {
            total += Files.size(external);
        }
        return total;
    }

    public static boolean isExternal(TensorProto tensor) {
        return tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
    }

    /**
     * The tensor's raw little-endian bytes: its {@code raw_data}, or the mapped region of its external file.
     * Tensors stored in typed fields ({@code float_data}, …) are converted. Never copies raw or external data.
     */
    public ByteString rawBytes(TensorProto tensor) throws IOException {
        if (isExternal(tensor)) {
            ExternalRef ref = checkExternal(directory, tensor);
            try (FileChannel channel = FileChannel.open(ref.file(), StandardOpenOption.READ)) {
                return UnsafeByteOperations.unsafeWrap(channel.map(FileChannel.MapMode.READ_ONLY, ref.offset(), ref.length()));
            }
        }
        if (tensor.hasRawData()) {
            return tensor.getRawData();
        }
        return TensorCodec.typedFieldsToRaw(tensor);
    }

    /** The tensor as float32 values; supports FLOAT, FLOAT16, BFLOAT16 and DOUBLE tensors. */
    public float[] floats(TensorProto tensor) throws IOException {
        ByteString raw = rawBytes(tensor);
        long elements = TensorCodec.elementCount(tensor);
        int width = TensorCodec.elementSize(tensor.getDataType());
        if (width <= 0 || (long) raw.size() != elements * width) {
            throw new InvalidModelException("tensor '%s' declares %d elements of type %d but holds %d bytes"
                    .formatted(tensor.getName(), elements, tensor.getDataType(), raw.size()));
        }
        return TensorCodec.toFloats(tensor.getDataType(), raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN),
                Math.toIntExact(elements), tensor.getName());
    }

    record ExternalRef(Path file, long offset, long length) {}

    /** Resolves a tensor's external data reference, refusing anything that escapes the model's folder. */
    static ExternalRef checkExternal(Path directory, TensorProto tensor) {
        String location = null;
        long offset = 0;
        Long declaredLength = null;
        for (StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location" -> location = entry.getValue();
                case "offset" -> offset = parseLong(tensor, entry);
                case "length" -> declaredLength = parseLong(tensor, entry);
                default -> { } // "checksum" and future keys carry no location information
            }
        }
        String name = tensor.getName();
        if (location == null || location.isEmpty()) {
            throw new ExternalDataException(name, "", "has no location");
        }
        if (location.startsWith("/") || location.startsWith("\\") || location.contains(":")) {
            throw new ExternalDataException(name, location, "is absolute; it must be relative to the model's folder");
        }
        for (String part : location.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw new ExternalDataException(name, location, "contains '..'; it must stay inside the model's folder");
            }
        }
        if (offset < 0) {
            throw new ExternalDataException(name, location, "has a negative offset " + offset);
        }
        if (declaredLength != null && declaredLength < 0) {
            throw new ExternalDataException(name, location, "has a negative length " + declaredLength);
        }
        Path resolved = directory.resolve(location).normalize();
        try {
            Path realDirectory = directory.toRealPath();
            if (Files.isSymbolicLink(resolved)) {
                throw new ExternalDataException(name, location, "is a symbolic link, which could lead outside the model's folder; external data must be a regular file");
            }
            Path real = resolved.toRealPath();
            if (!real.startsWith(realDirectory) || !Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw new ExternalDataException(name, location, "resolves outside the model's folder (symbolic link?)");
            }
            long fileSize = Files.size(real);
            long expected = expectedBytes(tensor);
            long length = declaredLength != null ? declaredLength : expected >= 0 ? expected : Math.max(0, fileSize - offset);
            if (offset > fileSize || length > fileSize - offset) {
                throw new ExternalDataException(name, location,
                        "ends at byte %s but the file has %d bytes".formatted(
                                offset > Long.MAX_VALUE - length ? offset + " + " + length : Long.toString(offset + length), fileSize));
            }
            if (expected >= 0 && expected != length) {
                throw new ExternalDataException(name, location,
                        "holds %d bytes but the tensor declares %d".formatted(length, expected));
            }
            return new ExternalRef(real, offset, length);
        } catch (NoSuchFileException e) {
            throw new ExternalDataException(name, location, "does not exist");
        } catch (IOException e) {
            throw new ExternalDataException(name, location, "cannot be read: " + e.getMessage());
        }
    }

    private static long expectedBytes(TensorProto tensor) {
        int width = TensorCodec.elementSize(tensor.getDataType());
        return width > 0 ? TensorCodec.elementCount(tensor) * width : -1;
    }

    private static long parseLong(TensorProto tensor, StringStringEntryProto entry) {
        try {
            return Long.parseLong(entry.getValue().trim());
        } catch (NumberFormatException e) {
            throw new ExternalDataException(tensor.getName(), entry.getValue(), "has a non-numeric " + entry.getKey());
        }
    }
}
