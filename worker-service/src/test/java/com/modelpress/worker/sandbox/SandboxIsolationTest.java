package com.modelpress.worker.sandbox;

import com.modelpress.worker.WorkerProperties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, items 12 and 13: what the engine's child JVM gets from its worker, and what the worker takes from it.
 */
class SandboxIsolationTest {

    @TempDir
    Path scratch;

    /**
     * A real process started from the child's process builder (running {@code env} instead of {@code java}) sees only
     * allow-listed variables: none of the worker's database, broker or storage settings, whatever this JVM was given.
     */
    @Test
    void theChildSeesAnAllowListedEnvironmentOnly() throws Exception {
        ProcessBuilder builder = SandboxCommand.forThisJvm(new WorkerProperties.Sandbox(true, "64m", null, null))
                .processBuilder(scratch, scratch.resolve("request.json"));
        builder.command("env").redirectErrorStream(true);
        Process env = builder.start();
        String output = new String(env.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(env.waitFor()).isZero();
        Map<String, String> seen = output.lines().filter(line -> line.contains("="))
                .collect(Collectors.toMap(line -> line.substring(0, line.indexOf('=')),
                        line -> line.substring(line.indexOf('=') + 1), (a, b) -> a));

        assertThat(seen.keySet()).allSatisfy(name -> assertThat(name.equals("CLASSPATH") || SandboxCommand.inherited(name))
                .as("variable %s reached the child", name).isTrue());
        List<String> withheld = System.getenv().keySet().stream().filter(name -> !SandboxCommand.inherited(name)).toList();
        assertThat(withheld).as("this JVM has variables the child must not see").isNotEmpty();
        assertThat(seen.keySet()).doesNotContainAnyElementsOf(withheld);
        assertThat(seen).containsKey("CLASSPATH");
        if (System.getenv("PATH") != null) {
            assertThat(seen).containsEntry("PATH", System.getenv("PATH"));
        }
    }

    /** A child that prints 20 MiB without a newline hands the worker one line of at most MAX_LINE characters. */
    @Test
    void aGiantLineIsCutNotHeldWhole() throws IOException {
        String giant = "x".repeat(20 << 20);
        List<String> lines = new ArrayList<>();
        SandboxedEngine.readLines(new StringReader("first\r\n" + giant + "\nlast"), SandboxedEngine.MAX_LINE, lines::add);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).isEqualTo("first");
        assertThat(lines.get(1)).hasSize(SandboxedEngine.MAX_LINE + 1).endsWith("…");
        assertThat(lines.get(2)).isEqualTo("last");
    }
}
