package com.modelpress.worker.attempt;

import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.engine.ProgressListener;
import com.modelpress.engine.UnsupportedModelException;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Stores an attempt's results under {@code jobs/{jobId}/attempt-{n}/{run}/}: the compressed model first, then
 * every other file the engine wrote next to it (its external data), then {@value #REPORT} (the report as
 * JSON). Reports step {@value #STEP}.
 *
 * <p>Thread-safe: holds only collaborators.
 */
final class ArtifactWriter {

    static final String STEP = "upload";
    static final String MODEL = "model.onnx";
    static final String REPORT = "report.json";

    private final ArtifactStore store;
    private final JsonMapper json;

    ArtifactWriter(ArtifactStore store, JsonMapper json) {
        this.store = store;
        this.json = json;
    }

    /**
     * A fresh key prefix for one run of an attempt: {@code jobs/{jobId}/attempt-{n}/{run}}, {@code run} random. A job
     * message delivered twice (an outbox re-publish) gives two runs the same attempt number; each writes, and on
     * failure deletes, only its own files, never those of the run whose result the job records.
     */
    static String prefix(java.util.UUID jobId, int attempt) {
        return "jobs/%s/attempt-%d/%s".formatted(jobId, attempt, java.util.UUID.randomUUID().toString().substring(0, 8));
    }

    /**
     * @param outputFolder holds {@value #MODEL} and the files it refers to, nothing else
     * @return the stored artifacts, model first and report last
     */
    List<ArtifactRef> write(String prefix, Path outputFolder, FidelityReport report, ProgressListener progress)
            throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(outputFolder)) {
            files = walk.filter(Files::isRegularFile)
                    .sorted(Comparator.comparing((Path p) -> !p.getFileName().toString().equals(MODEL))
                            .thenComparing(Path::toString))
                    .toList();
        }
        long total = 1;
        for (Path file : files) {
            total += Files.size(file);
        }
        progress.onProgress(STEP, 0);
        List<ArtifactRef> artifacts = new ArrayList<>();
        long done = 0;
        for (Path file : files) {
            String name = outputFolder.relativize(file).toString().replace('\\', '/');
            String key = prefix + "/" + name;
            try {
                ArtifactStore.checkKey(key);
            } catch (IllegalArgumentException e) {
                throw new UnsupportedModelException("the model refers to external data '%s', a name that cannot be stored; use [A-Za-z0-9._-]".formatted(name), e);
            }
            artifacts.add(put(key, name, file, "application/octet-stream"));
            done += Files.size(file);
            progress.onProgress(STEP, (double) done / total);
        }
        byte[] reportJson = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(report);
        try (InputStream in = new java.io.ByteArrayInputStream(reportJson)) {
            StoredArtifact stored = store.put(prefix + "/" + REPORT, in, reportJson.length);
            artifacts.add(new ArtifactRef(REPORT, stored.key(), stored.sizeBytes(), stored.sha256(), "application/json"));
        }
        progress.onProgress(STEP, 1);
        return artifacts;
    }

    private ArtifactRef put(String key, String name, Path file, String contentType) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            StoredArtifact stored = store.put(key, in, Files.size(file));
            return new ArtifactRef(name, stored.key(), stored.sizeBytes(), stored.sha256(), contentType);
        }
    }
}
