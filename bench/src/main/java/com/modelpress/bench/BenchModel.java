package com.modelpress.bench;

import com.modelpress.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The sentence encoders the bench scores. Each comes from a langchain4j jar on Maven Central holding the fp32
 * ONNX export, its {@code tokenizer.json}, and (in the {@code -q} jar) ONNX Runtime's dynamic int8
 * quantization of the same export, which serves as the reference a compressed model is compared with.
 */
enum BenchModel {
    MINILM("minilm", "all-MiniLM-L6-v2", "all-minilm-l6-v2"),
    BGE("bge", "bge-small-en-v1.5", "bge-small-en-v1.5"),
    E5("e5", "e5-small-v2", "e5-small-v2");

    private final String id;
    private final String displayName;
    private final String resourceStem;

    BenchModel(String id, String displayName, String resourceStem) {
        this.id = id;
        this.displayName = displayName;
        this.resourceStem = resourceStem;
    }

    /** @return the short name used on the command line, e.g. {@code minilm} */
    String id() {
        return id;
    }

    /** @return the model's published name, e.g. {@code all-MiniLM-L6-v2} */
    String displayName() {
        return displayName;
    }

    /**
     * @param id as in {@link #id()}
     * @throws IllegalArgumentException for an unknown id, listing the known ones
     */
    static BenchModel byId(String id) {
        return Arrays.stream(values())
                .filter(model -> model.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown model '" + id + "', expected one of "
                        + Arrays.stream(values()).map(BenchModel::id).collect(Collectors.joining(", "))));
    }

    /** @return the fp32 model, copied from the classpath into {@code directory} unless already there */
    Path extractFp32(Path directory) throws IOException {
        return extract(resourceStem + ".onnx", directory);
    }

    /** @return ONNX Runtime's int8 model from the {@code -q} jar, copied into {@code directory} unless already there */
    Path extractShippedInt8(Path directory) throws IOException {
        return extract(resourceStem + "-q.onnx", directory);
    }

    /** @param maxLength as in {@link TextTokenizer#read(InputStream, int)} */
    TextTokenizer tokenizer(int maxLength) throws IOException {
        try (InputStream json = open(resourceStem + "-tokenizer.json")) {
            return TextTokenizer.read(json, maxLength);
        }
    }

    private static Path extract(String resource, Path directory) throws IOException {
        Path target = directory.resolve(resource);
        if (Files.isRegularFile(target)) {
            return target;
        }
        Files.createDirectories(directory);
        Path partial = Files.createTempFile(directory, resource, ".part");
        try (InputStream in = open(resource)) {
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
        return target;
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = BenchModel.class.getResourceAsStream("/" + resource);
        if (in == null) {
            throw new IOException(resource + " is not on the classpath: is its langchain4j model jar a dependency?");
        }
        return in;
    }
}
