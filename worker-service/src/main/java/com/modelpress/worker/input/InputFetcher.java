package com.modelpress.worker.input;

import com.modelpress.contracts.job.JobMessage;
import com.modelpress.engine.ProgressListener;
import com.modelpress.files.Sha256;
import com.modelpress.storage.ArtifactStore;
import com.modelpress.storage.StoredArtifact;
import com.modelpress.worker.failure.InputCorruptException;
import com.modelpress.worker.failure.InvalidArchiveException;
import com.modelpress.worker.failure.InvalidRequestException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;

/**
 * Copies a job's input from the artifact store into the attempt's folder, verifies its SHA-256, and, when it is
 * an archive, extracts it and finds the one model in it. Reports step {@value #STEP}.
 *
 * <p>Thread-safe: holds only collaborators.
 */
public final class InputFetcher {

    static final String STEP = "download";
    private static final int BUFFER = 1 << 16;

    private final ArtifactStore store;
    private final ArchiveExtractor extractor;

    public InputFetcher(ArtifactStore store, ArchiveExtractor extractor) {
        this.store = store;
        this.extractor = extractor;
    }

    /**
     * @param folder an empty folder the attempt owns
     * @return the {@code .onnx} file to compress, its external data beside it
     * @throws NoSuchFileException    when the store has no artifact under the job's input key
     * @throws InputCorruptException  when the bytes do not match the job's SHA-256
     * @throws InvalidArchiveException when the archive is unsafe or does not hold exactly one model
     */
    public Path fetch(JobMessage job, Path folder, ProgressListener progress)
            throws IOException, InputCorruptException, InvalidArchiveException {
        String key = job.inputKey();
        StoredArtifact stored = store.stat(key).orElseThrow(() -> new NoSuchFileException(key));
        Path download = folder.resolve("upload.bin");
        progress.onProgress(STEP, 0);
        String sha256 = copy(key, stored.sizeBytes(), download, progress);
        if (!sha256.equalsIgnoreCase(job.inputSha256())) {
            throw new InputCorruptException(key, job.inputSha256(), sha256);
        }
        progress.onProgress(STEP, 1);

        ArchiveExtractor.Format format = ArchiveExtractor.sniff(download);
        Path input = Files.createDirectories(folder.resolve("input"));
        if (format == null) {
            return Files.move(download, input.resolve("model.onnx"));
        }
        List<Path> files = extractor.extract(download, format, input);
        Files.delete(download);
        List<Path> models = files.stream().filter(InputFetcher::isModel).toList();
        List<Path> nested = new java.util.ArrayList<>();
        for (Path file : models.isEmpty() ? files : List.<Path>of()) {
            if (ArchiveExtractor.sniff(file) != null) {
                nested.add(file);
            }
        }
        if (!nested.isEmpty()) {
            throw new InvalidArchiveException("it holds no .onnx file but the archives %s; nested archives are not extracted"
                    .formatted(nested.stream().map(m -> input.relativize(m).toString()).toList()));
        }
        if (models.size() != 1) {
            throw new InvalidArchiveException("it holds %d .onnx files %s; expected exactly one"
                    .formatted(models.size(), models.stream().map(m -> input.relativize(m).toString()).toList()));
        }
        return models.getFirst();
    }

    /**
     * Downloads and unpacks the job's calibration samples, if it has any.
     *
     * @return the folder holding one sub-folder per sample, or null when the job brought no calibration samples
     * @throws InvalidArchiveException when the upload is not a zip/tar archive or breaks the archive limits
     */
    public Path fetchCalibration(JobMessage job, Path folder, ProgressListener progress)
            throws IOException, InputCorruptException, InvalidArchiveException {
        String key = job.calibrationKey();
        if (key == null) {
            return null;
        }
        ArtifactStore.checkKey(key);
        StoredArtifact stored = store.stat(key).orElseThrow(() -> new NoSuchFileException(key));
        Path download = folder.resolve("calibration.bin");
        String sha256 = copy(key, stored.sizeBytes(), download, progress);
        if (job.calibrationSha256() != null && !sha256.equalsIgnoreCase(job.calibrationSha256())) {
            throw new InputCorruptException(key, job.calibrationSha256(), sha256);
        }
        ArchiveExtractor.Format format = ArchiveExtractor.sniff(download);
        if (format == null) {
            throw new InvalidArchiveException("the calibration samples are not a .zip, .tar or gzip-compressed .tar archive");
        }
        Path samples = Files.createDirectories(folder.resolve("calibration"));
        extractor.extract(download, format, samples);
        Files.delete(download);
        // an archive of one folder holding the sample folders is common: descend into it
        try (var entries = Files.list(samples)) {
            List<Path> children = entries.toList();
            if (children.size() == 1 && Files.isDirectory(children.getFirst())) {
                try (var inner = Files.list(children.getFirst())) {
                    if (inner.allMatch(Files::isDirectory)) {
                        return children.getFirst();
                    }
                }
            }
        }
        return samples;
    }

    /**
     * Downloads the job's tokenizer and texts, if it has any, each checked against its SHA-256.
     *
     * @return the files, or null when the job brought no text
     * @throws InvalidRequestException when a text comes without a tokenizer, or a key is not a job input key
     * @throws InputCorruptException   when a file's bytes do not match its SHA-256
     */
    public JobTexts fetchTexts(JobMessage job, Path folder, ProgressListener progress)
            throws IOException, InputCorruptException, InvalidRequestException {
        if (job.calibrationText() == null && job.evaluationText() == null && job.tokenizer() == null) {
            return null;
        }
        if (job.tokenizer() == null || (job.calibrationText() == null && job.evaluationText() == null)) {
            throw new InvalidRequestException("a text needs the model's tokenizer.json, and a tokenizer.json a text");
        }
        Path texts = Files.createDirectories(folder.resolve("texts"));
        String inputs = "jobs/%s/input/".formatted(job.jobId());
        return new JobTexts(fetchFile(job.tokenizer(), inputs, texts.resolve("tokenizer"), "tokenizer.json", progress),
                fetchFile(job.calibrationText(), inputs, texts.resolve("calibration"), "calibration.txt", progress),
                fetchFile(job.evaluationText(), inputs, texts.resolve("evaluation"), "evaluation.txt", progress));
    }

    /**
     * One uploaded file into {@code folder}, under its own name when that is a plain file name (else {@code fallback}).
     *
     * @param file   nullable: nothing to fetch
     * @param inputs the key prefix of the job's own inputs: a key elsewhere is refused
     * @return the downloaded file, or null
     */
    private Path fetchFile(JobMessage.InputFile file, String inputs, Path folder, String fallback,
                           ProgressListener progress) throws IOException, InputCorruptException, InvalidRequestException {
        if (file == null) {
            return null;
        }
        if (file.key() == null || file.sha256() == null) {
            throw new InvalidRequestException("an input file of the job lacks its key or SHA-256");
        }
        try {
            ArtifactStore.checkKey(file.key());
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (!file.key().startsWith(inputs)) {
            throw new InvalidRequestException("input file '%s' is not one of the job's inputs (%s…)".formatted(file.key(),
                    inputs));
        }
        StoredArtifact stored = store.stat(file.key()).orElseThrow(() -> new NoSuchFileException(file.key()));
        String name = file.name() != null && PLAIN_NAME.matcher(file.name()).matches() ? file.name() : fallback;
        Path target = Files.createDirectories(folder).resolve(name);
        String sha256 = copy(file.key(), stored.sizeBytes(), target, progress);
        if (!sha256.equalsIgnoreCase(file.sha256())) {
            throw new InputCorruptException(file.key(), file.sha256(), sha256);
        }
        return target;
    }

    /** A file name that names a file in its folder and nothing else. */
    private static final java.util.regex.Pattern PLAIN_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");

    /** A {@code .onnx} file, not one of the {@code ._name} shadows macOS puts in archives. */
    private static boolean isModel(Path file) {
        String name = file.getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".onnx") && !name.startsWith("._")
                && !file.toString().contains("__MACOSX");
    }

    private String copy(String key, long size, Path target, ProgressListener progress) throws IOException {
        MessageDigest digest = Sha256.digest();
        try (InputStream in = new DigestInputStream(store.open(key, 0, size), digest);
             OutputStream out = Files.newOutputStream(target)) {
            byte[] buffer = new byte[BUFFER];
            long copied = 0;
            for (int read; (read = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, read);
                copied += read;
                progress.onProgress(STEP, 0.99 * copied / Math.max(1, size));
            }
        }
        return Sha256.hex(digest);
    }
}
