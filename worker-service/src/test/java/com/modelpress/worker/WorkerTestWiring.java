package com.modelpress.worker;

import org.springframework.test.context.DynamicPropertyRegistry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a worker integration test's context is wired to: the tests' broker ({@link TestBroker}) and, below one
 * temporary folder per test class, the file artifact store and the worker's work folder.
 */
public final class WorkerTestWiring {

    private WorkerTestWiring() {
    }

    /** A new temporary folder for one test class's artifacts and work. */
    public static Path temporaryRoot() {
        try {
            return Files.createTempDirectory("worker-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registers the broker, {@code root/artifacts} and {@code root/work} for a {@code @DynamicPropertySource} method. */
    public static void register(DynamicPropertyRegistry registry, Path root) {
        TestBroker.register(registry);
        registry.add("modelpress.storage.root", () -> root.resolve("artifacts").toString());
        registry.add("modelpress.worker.work-dir", () -> root.resolve("work").toString());
    }
}
