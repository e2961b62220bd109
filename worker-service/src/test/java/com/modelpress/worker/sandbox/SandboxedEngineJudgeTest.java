package com.modelpress.worker.sandbox;

import com.modelpress.engine.InvalidModelException;
import com.modelpress.engine.UnsupportedModelException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the end of an engine child is judged, from what it leaves behind. */
class SandboxedEngineJudgeTest {

    /** The head of a real report of a JVM that crashed in {@code strlen(NULL)}. */
    private static final List<String> SEGFAULT_REPORT = List.of(
            "#",
            "# A fatal error has been detected by the Java Runtime Environment:",
            "#",
            "#  SIGSEGV (0xb) at pc=0x00007fa94421c219, pid=14876, tid=14877",
            "#",
            "# JRE version: OpenJDK Runtime Environment Temurin-25.0.3+9 (25.0.3+9) (build 25.0.3+9-LTS)",
            "# Problematic frame:",
            "# C  [libc.so.6+0x156219]",
            "#");

    @Test
    void anErrorReportIsACrashWhateverTheExitCode() {
        assertThatThrownBy(() -> SandboxedEngine.judge(1, null, SEGFAULT_REPORT, List.of(), "2g"))
                .isInstanceOfSatisfying(EngineFailureException.class, e -> {
                    assertThat(e.kind()).isEqualTo(EngineFailureException.Kind.CRASHED);
                    assertThat(e.kind().code()).isEqualTo("worker_crashed");
                    assertThat(e.getMessage()).isEqualTo("the engine crashed: SIGSEGV (0xb) at pc=0x00007fa94421c219, "
                            + "pid=14876, tid=14877; problematic frame: C  [libc.so.6+0x156219]");
                });
    }

    @Test
    void theJvmsOutOfMemoryExitIsOutOfMemory() {
        assertThatThrownBy(() -> SandboxedEngine.judge(3, null, List.of(),
                List.of("Terminating due to java.lang.OutOfMemoryError: Java heap space"), "64m"))
                .isInstanceOfSatisfying(EngineFailureException.class, e -> {
                    assertThat(e.kind().code()).isEqualTo("out_of_memory");
                    assertThat(e.getMessage()).contains("Java heap space", "max heap is 64m");
                });
        assertThatThrownBy(() -> SandboxedEngine.judge(1, new ChildOutcome.OutOfMemory("Direct buffer memory"),
                List.of(), List.of(), "64m"))
                .isInstanceOfSatisfying(EngineFailureException.class, e -> assertThat(e.kind().code()).isEqualTo("out_of_memory"));
        List<String> nativeOom = List.of("#", "# There is insufficient memory for the Java Runtime Environment to continue.",
                "# Native memory allocation (mmap) failed to map 4096 bytes.");
        assertThatThrownBy(() -> SandboxedEngine.judge(1, null, nativeOom, List.of(), "64m"))
                .isInstanceOfSatisfying(EngineFailureException.class, e -> {
                    assertThat(e.kind().code()).isEqualTo("out_of_memory");
                    assertThat(e.getMessage()).contains("insufficient memory");
                });
    }

    @Test
    void aSignalIsACrash() {
        assertThatThrownBy(() -> SandboxedEngine.judge(137, null, List.of(), List.of(), "2g"))
                .isInstanceOfSatisfying(EngineFailureException.class, e -> {
                    assertThat(e.kind().code()).isEqualTo("worker_crashed");
                    assertThat(e.getMessage()).contains("signal 9 (SIGKILL)", "OOM killer");
                });
        assertThatThrownBy(() -> SandboxedEngine.judge(134, null, List.of(), List.of(), "2g"))
                .hasMessageContaining("signal 6 (SIGABRT)");
    }

    @Test
    void anExitWithoutOutcomeIsACrashThatQuotesTheConsole() {
        assertThatThrownBy(() -> SandboxedEngine.judge(1, null, List.of(),
                List.of("Unrecognized VM option 'NoSuchOption'", "Error: Could not create the Java Virtual Machine.",
                        "Error: A fatal exception has occurred. Program will exit."), "2g"))
                .isInstanceOfSatisfying(EngineFailureException.class, e -> {
                    assertThat(e.kind().code()).isEqualTo("worker_crashed");
                    assertThat(e.getMessage()).contains("exited with code 1 without a result", "Unrecognized VM option 'NoSuchOption'");
                });
    }

    @Test
    void theChildsOutcomeDecidesWhenThereIsOne() throws Exception {
        assertThatThrownBy(() -> SandboxedEngine.judge(2, new ChildOutcome.Rejected("invalid_model", "not protobuf"),
                List.of(), List.of(), "2g")).isInstanceOf(InvalidModelException.class).hasMessage("not protobuf");
        assertThatThrownBy(() -> SandboxedEngine.judge(2, new ChildOutcome.Rejected("unsupported_model", "op Foo"),
                List.of(), List.of(), "2g")).isInstanceOf(UnsupportedModelException.class).hasMessage("op Foo");
        assertThatThrownBy(() -> SandboxedEngine.judge(1, new ChildOutcome.Failed("java.nio.file.NoSuchFileException", "/x"),
                List.of(), List.of(), "2g")).isInstanceOf(EngineErrorException.class)
                .hasMessage("the engine failed: java.nio.file.NoSuchFileException: /x");
    }

    @Test
    void progressLinesAreToldApartFromOtherOutput() {
        String line = SandboxProtocol.progressLine("compress", 0.25);

        assertThat(SandboxProtocol.parseProgress(line)).contains(new SandboxProtocol.Progress("compress", 0.25));
        assertThat(SandboxProtocol.parseProgress("Terminating due to java.lang.OutOfMemoryError: Java heap space")).isEmpty();
        assertThat(SandboxProtocol.parseProgress(SandboxProtocol.PROGRESS_PREFIX + "{not json")).isEmpty();
    }
}
