package com.modelpress.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

class ProgressLineTest {

    @Test
    void onATerminalRewritesOneLineAndErasesItWhenClosed() {
        StringWriter err = new StringWriter();
        try (ProgressLine progress = new ProgressLine(new PrintWriter(err), true)) {
            progress.onProgress("compress", 0);
            progress.onProgress("compress", 0.001);
            progress.onProgress("compress", 0.5);
            progress.onProgress("evaluate", 1);
        }

        assertThat(err.toString()).isEqualTo(
                "\rcompress   0%" + "\rcompress  50%" + "\revaluate 100%" + "\r" + " ".repeat(13) + "\r");
        assertThat(err.toString()).doesNotContain("\n");
    }

    @Test
    void elsewherePrintsALinePerStepAndPerQuarter() {
        StringWriter err = new StringWriter();
        try (ProgressLine progress = new ProgressLine(new PrintWriter(err), false)) {
            progress.onProgress("read", 0);
            progress.onProgress("compress", 0);
            progress.onProgress("compress", 0.1);
            progress.onProgress("compress", 0.3);
            progress.onProgress("compress", 0.31);
            progress.onProgress("compress", 0.8);
            progress.onProgress("compress", 1);
            progress.onProgress("evaluate", 0.6);
        }

        assertThat(err.toString().lines()).containsExactly(
                "read...", "compress...", "compress 25%", "compress 75%", "evaluate...");
    }

    @Test
    void aShorterLineOverwritesTheRestOfALongerOne() {
        StringWriter err = new StringWriter();
        ProgressLine progress = new ProgressLine(new PrintWriter(err), true);
        progress.onProgress("compress+write", 0.5);
        progress.onProgress("read", 0);

        assertThat(err.toString()).endsWith("\rread   0%" + " ".repeat("compress+write  50%".length() - "read   0%".length()));
    }

    @Test
    void theScriptDecidesWhetherStderrIsATerminal() {
        String before = System.getProperty(ProgressLine.STDERR_TERMINAL_PROPERTY);
        try {
            StringWriter terminal = new StringWriter();
            System.setProperty(ProgressLine.STDERR_TERMINAL_PROPERTY, "true");
            ProgressLine.on(new PrintWriter(terminal)).onProgress("read", 0);
            StringWriter log = new StringWriter();
            System.setProperty(ProgressLine.STDERR_TERMINAL_PROPERTY, "false");
            ProgressLine.on(new PrintWriter(log)).onProgress("read", 0);

            assertThat(terminal.toString()).isEqualTo("\rread   0%");
            assertThat(log.toString()).isEqualTo("read..." + System.lineSeparator());
        } finally {
            if (before == null) {
                System.clearProperty(ProgressLine.STDERR_TERMINAL_PROPERTY);
            } else {
                System.setProperty(ProgressLine.STDERR_TERMINAL_PROPERTY, before);
            }
        }
    }
}
