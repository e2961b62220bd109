package com.modelpress.cli;

import com.modelpress.engine.testing.TinyLm;
import com.modelpress.report.HtmlReport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static com.modelpress.report.testing.ReportPages.chartLabels;
import static com.modelpress.report.testing.ReportPages.count;
import static com.modelpress.report.testing.ReportPages.parse;
import static com.modelpress.report.testing.ReportPages.text;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code compress --html} on two real models, a decoder LM (tinylm) and a sentence encoder (all-MiniLM-L6-v2), with
 * small evaluations: seconds per run. The pages stay in {@code target/html-reports/} to be looked at (the README's
 * screenshots are of them).
 */
class HtmlReportIntegrationTest {

    static final Path PAGES = Path.of("target", "html-reports");

    @TempDir
    Path dir;

    @BeforeAll
    static void folder() throws IOException {
        Files.createDirectories(PAGES);
    }

    @Test
    void aDecoderLmPageShowsItsNextTokenDistributionsAndSensitivity() throws Exception {
        Path page = PAGES.resolve("tinylm-int4.html");
        CliRun run = CliRun.of("compress", TinyLm.model().toString(), "-m", "int4", "-o", dir.resolve("tinylm-int4.onnx").toString(),
                "--eval-text", TinyLm.evaluationText().toString(), "--calibration-text", TinyLm.calibrationText().toString(),
                "--tokenizer", TinyLm.tokenizer().toString(), "--samples", "2", "--context", "64", "--decode-steps", "4",
                "--calibration-samples", "8", "--head", "int4", "--latency-runs", "0", "--html", page.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("html report: " + page);
        Document document = parse(Files.readString(page));
        assertThat(chartLabels(document))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of KL over 128 prefill positions"))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of KL over 8 decode positions"))
                .anySatisfy(l -> assertThat(l).startsWith("Same top-1 by position in the window, 64 buckets of 1"))
                .anySatisfy(l -> assertThat(l).startsWith("Same top-1 by decode step, 4 buckets of 1"))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of 1 − cosine over 128 vectors of logits"))
                .anySatisfy(l -> assertThat(l).startsWith("Sensitivity of the "));
        assertThat(text(document, "//div[@class='card'][div='KL mean (prefill)']/div[@class='big']")).isNotEmpty();
        String command = text(document, "//tr[th='command']/td");
        assertThat(command).startsWith("modelpress compress " + TinyLm.model()).endsWith("--html " + page);
        assertThat(text(document, "//tr[th='input SHA-256']/td")).hasSize(64);
    }

    @Test
    void anEncoderPageShowsPerVectorCosineAndEveryAutoCandidate() throws Exception {
        Path model = dir.resolve("all-minilm-l6-v2.onnx");
        try (InputStream in = HtmlReportIntegrationTest.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
            assertThat(in).as("all-minilm-l6-v2.onnx on the test classpath").isNotNull();
            Files.copy(in, model);
        }
        Path page = PAGES.resolve("minilm-auto.html");
        // int4 misses 0.995 on these samples and int8 meets it; a budget of two evaluations (no room to measure sensitivity) keeps the run
        // to those two candidates (the tinylm page has the sensitivity chart)
        CliRun run = CliRun.of("compress", model.toString(), "-m", "auto", "--min-cosine", "0.995", "--max-evaluations", "2",
                "-o", dir.resolve("minilm-auto.onnx").toString(), "--samples", "2", "--latency-runs", "0",
                "--calibration-samples", "8", "--no-sensitivity", "--html", page.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        Document document = parse(Files.readString(page));
        assertThat(chartLabels(document))
                .anySatisfy(l -> assertThat(l).startsWith("Distribution of 1 − cosine over "))
                .anySatisfy(l -> assertThat(l).startsWith("Size against fidelity of the 2 candidates auto scored; cosine"))
                .noneSatisfy(l -> assertThat(l).contains("KL"));
        assertThat(count(document, "//*[local-name()='circle'][@class='chosen']")).isEqualTo(1);
        assertThat(text(document, "//h2[@id='auto']/following::table[1]/tbody/tr[2]/td[2]")).isEqualTo("all int8");
        assertThat(text(document, "//meta[@http-equiv='Content-Security-Policy']/@content"))
                .isEqualTo(HtmlReport.CONTENT_SECURITY_POLICY);
    }

    @Test
    void theHtmlPageMayNotReplaceAFileTheCommandReadsOrWrites() {
        Path output = dir.resolve("out.onnx");
        CliRun run = CliRun.of("compress", TinyLm.model().toString(), "-m", "int8", "-o", output.toString(),
                "--html", dir.resolve("out.report.json").toString());
        CliRun missingFolder = CliRun.of("compress", TinyLm.model().toString(), "-m", "int8", "-o", output.toString(),
                "--html", dir.resolve("no/such/folder/r.html").toString());

        assertThat(run.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("would overwrite");
        assertThat(missingFolder.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(missingFolder.err()).contains("--html folder does not exist");
        assertThat(output).doesNotExist();
    }
}
