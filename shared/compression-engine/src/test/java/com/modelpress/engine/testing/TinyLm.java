package com.modelpress.engine.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The small real decoder LM the project's shared folder holds ({@code tinylm}: fp32 {@code model.onnx}, fp16
 * {@code model-fp16.onnx}, {@code tokenizer.json}, {@code cal.txt}, {@code eval.txt}), found through the system property
 * {@value #PROPERTY}, else the environment variable {@value #ENVIRONMENT}, else {@code ../shared/models/tinylm} beside
 * the repository (the folder holding the parent {@code pom.xml}, found walking up from the working directory). It is
 * outside the repository: a test that needs it is skipped, with a message, when it is absent.
 */
public final class TinyLm {

    public static final String PROPERTY = "modelpress.tinylm";
    public static final String ENVIRONMENT = "MODELPRESS_TINYLM";

    private TinyLm() {
    }

    /** The folder; skips the calling test when it does not hold the model. */
    public static Path folder() {
        Path folder = locate();
        Assumptions.assumeTrue(folder != null && Files.isRegularFile(folder.resolve("model.onnx")),
                "tinylm not found: set -D" + PROPERTY + "=DIR or $" + ENVIRONMENT
                        + ", or put it at ../shared/models/tinylm beside the repository");
        return folder;
    }

    public static Path model() {
        return folder().resolve("model.onnx");
    }

    public static Path fp16Model() {
        return file("model-fp16.onnx");
    }

    public static Path tokenizer() {
        return file("tokenizer.json");
    }

    public static Path calibrationText() {
        return file("cal.txt");
    }

    public static Path evaluationText() {
        return file("eval.txt");
    }

    private static Path file(String name) {
        Path file = folder().resolve(name);
        Assumptions.assumeTrue(Files.isRegularFile(file), "tinylm has no " + name + " at " + file);
        return file;
    }

    private static Path locate() {
        String given = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        if (given != null && !given.isBlank()) {
            return Path.of(given);
        }
        Path root = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("pom.xml")) && Files.isDirectory(dir.resolve("shared"))
                    && Files.isRegularFile(dir.resolve("shared/compression-engine/pom.xml"))) {
                root = dir;
                break;
            }
        }
        return root == null || root.getParent() == null ? null : root.getParent().resolve("shared/models/tinylm");
    }
}
