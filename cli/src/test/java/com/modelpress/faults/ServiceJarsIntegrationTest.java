package com.modelpress.faults;

import com.modelpress.embedded.TestServices;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The release jars, as README's "Running the API and workers as separate processes" runs them: {@code java -jar
 * api-service/target/api-service-*-exec.jar} and the worker's, from the repository root, against PostgreSQL and
 * RabbitMQ ({@link TestServices}). One job goes through and must succeed with intact artifacts. Only the jars' own
 * class paths are in play: a job once failed three times here (the worker's child JVM, started in its scratch folder,
 * could not find the relative jar path) while every test on the test class path passed.
 *
 * <p>Needs the jars of this build: {@code ./mvnw verify} packages both modules before this one runs; a run without them
 * is skipped with the command that builds them.
 */
class ServiceJarsIntegrationTest {

    @TempDir
    Path scratch;

    @Test
    void releaseJarsRunAJobToSuccess() throws Exception {
        Path repository = repositoryRoot();
        for (String module : List.of("api-service", "worker-service")) {
            try (Stream<Path> files = Files.list(repository.resolve(module).resolve("target"))) {
                Assumptions.assumeTrue(files.anyMatch(f -> f.getFileName().toString().endsWith("-exec.jar")),
                        "no " + module + " release jar; build it with ./mvnw -pl " + module + " -am package");
            } catch (java.nio.file.NoSuchFileException e) {
                Assumptions.abort("no " + module + "/target; build it with ./mvnw -pl " + module + " -am package");
            }
        }
        TestServices.Settings settings = TestServices.settings();
        FaultRig.Services services = new FaultRig.Services(settings.postgres().jdbcUrl(), settings.postgres().username(),
                settings.postgres().password(), settings.amqp().host(), settings.amqp().port(), settings.amqp().username(),
                settings.amqp().password(), settings.amqp().virtualHost());
        Path logs = Path.of("target", "service-jars").toAbsolutePath();
        try (FaultRig rig = new FaultRig("service-jars", services, scratch, logs).fromServiceJars(repository)) {
            rig.startApi();
            ServiceProcess worker = rig.startWorker();

            UUID id = rig.submit(FaultModels.tanhChain(128, 2, 5), "chain.onnx");
            rig.awaitTerminal(List.of(id), Duration.ofMinutes(4));

            assertThat(rig.status(id)).as("job %s; worker log:%n%s", id, worker.logTail()).isEqualTo("SUCCEEDED");
            assertThat(JobInvariants.check(rig, List.of(id))).isEmpty();
            assertThat(rig.listedArtifacts(id)).containsKeys("model.onnx", "report.json");
            OptionalInt exit = worker.terminate(Duration.ofSeconds(60));
            assertThat(exit).as("the worker stops on SIGTERM").isPresent();
        }
    }

    private static Path repositoryRoot() throws IOException {
        Path folder = Path.of("").toAbsolutePath();
        while (folder != null && !Files.isRegularFile(folder.resolve("modelpress"))) {
            folder = folder.getParent();
        }
        assertThat(folder).as("a folder above %s holding the modelpress script", Path.of("").toAbsolutePath()).isNotNull();
        return folder.toRealPath();
    }
}
