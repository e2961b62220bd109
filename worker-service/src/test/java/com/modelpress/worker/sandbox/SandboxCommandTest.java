package com.modelpress.worker.sandbox;

import com.modelpress.worker.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxCommandTest {

    @TempDir
    Path dir;

    @Test
    void explodedClassPathIsPassedOnWithTheChildAsMainClass() {
        Path scratch = dir.resolve("scratch");
        SandboxCommand command = new SandboxCommand("/opt/jdk/bin/java", "/app/classes:/app/libs/a.jar", 512L << 20,
                List.of("-XX:+UseSerialGC", "-Dx=y"), Map.of("onnxruntime.native.path", "/opt/ort"));

        ProcessBuilder process = command.processBuilder(scratch, scratch.resolve("request.json"));
        List<String> line = process.command();

        assertThat(command.bootJar()).isFalse();
        assertThat(process.environment()).containsEntry("CLASSPATH", "/app/classes:/app/libs/a.jar");
        assertThat(process.directory()).isEqualTo(scratch.toFile());
        assertThat(String.join(" ", line)).as("the class path stays off the command line").doesNotContain("/app/libs");
        assertThat(line.getFirst()).isEqualTo("/opt/jdk/bin/java");
        assertThat(line).contains("-Xmx524288k", "-XX:+ExitOnOutOfMemoryError", "-Xss8m", "-XX:-CreateCoredumpOnCrash",
                "-XX:ErrorFile=" + scratch.resolve("hs_err_pid%p.log"), "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + scratch.resolve("tmp"), "-Donnxruntime.native.path=/opt/ort");
        assertThat(line.indexOf("-XX:+UseSerialGC")).as("operator options come after the defaults, so they win")
                .isGreaterThan(line.indexOf("-XX:+ExitOnOutOfMemoryError"));
        assertThat(line.subList(line.size() - 2, line.size())).containsExactly(
                SandboxChild.class.getName(), scratch.resolve("request.json").toString());
    }

    @Test
    void springBootJarIsStartedThroughThePropertiesLauncher() throws IOException {
        Path jar = jar("worker-exec.jar", "org.springframework.boot.loader.launch.JarLauncher");
        SandboxCommand command = new SandboxCommand("java", jar.toString(), 2L << 30, List.of(), Map.of());

        ProcessBuilder process = command.processBuilder(dir, dir.resolve("request.json"));
        List<String> line = process.command();

        assertThat(command.bootJar()).isTrue();
        assertThat(process.environment()).containsEntry("CLASSPATH", jar.toString());
        assertThat(line).contains("-Xmx2097152k");
        assertThat(line.subList(line.size() - 3, line.size())).containsExactly(
                "-Dloader.main=" + SandboxChild.class.getName(), SandboxCommand.BOOT_PROPERTIES_LAUNCHER,
                dir.resolve("request.json").toString());
    }

    @Test
    void relativeClassPathEntriesAreMadeAbsoluteBecauseTheChildRunsInTheScratchFolder() {
        Path here = Path.of("").toAbsolutePath();
        SandboxCommand command = new SandboxCommand("java", "target/worker-exec.jar:lib/*:/opt/app/classes", 1L << 30,
                List.of(), Map.of());

        ProcessBuilder process = command.processBuilder(dir, dir.resolve("request.json"));

        assertThat(process.environment()).containsEntry("CLASSPATH",
                here.resolve("target/worker-exec.jar") + ":" + here.resolve("lib/*") + ":/opt/app/classes");
    }

    @Test
    void aPlainJarOrSeveralEntriesAreNotABootJar() throws IOException {
        Path plain = jar("plain.jar", "com.example.Main");
        Path boot = jar("boot.jar", "org.springframework.boot.loader.launch.JarLauncher");

        assertThat(SandboxCommand.isBootJar(plain.toString())).isFalse();
        assertThat(SandboxCommand.isBootJar(boot + ":" + plain)).isFalse();
        assertThat(SandboxCommand.isBootJar(dir.resolve("missing.jar").toString())).isFalse();
        assertThat(SandboxCommand.isBootJar(dir.toString())).isFalse();
    }

    @Test
    void maxHeapTakesJvmAndSpringNotation() {
        assertThat(sandbox("512m").maxHeapBytes()).isEqualTo(512L << 20);
        assertThat(sandbox("2g").maxHeapBytes()).isEqualTo(2L << 30);
        assertThat(sandbox("2GB").maxHeapBytes()).isEqualTo(2L << 30);
        assertThat(sandbox("768MB").maxHeapBytes()).isEqualTo(768L << 20);
        assertThat(sandbox(null).maxHeapBytes()).as("default").isEqualTo(2L << 30);
        assertThatThrownBy(() -> sandbox("lots")).hasMessageContaining("'lots'");
        assertThatThrownBy(() -> sandbox("1m")).hasMessageContaining("at least 8m");
        assertThat(new WorkerProperties.Sandbox(true, "1g", "  -Da=b   -XX:+UseSerialGC ", null).javaOptionList())
                .containsExactly("-Da=b", "-XX:+UseSerialGC");
    }

    private static WorkerProperties.Sandbox sandbox(String maxHeap) {
        return new WorkerProperties.Sandbox(true, maxHeap, null, null);
    }

    private Path jar(String name, String mainClass) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        Path jar = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            return jar;
        }
    }
}
