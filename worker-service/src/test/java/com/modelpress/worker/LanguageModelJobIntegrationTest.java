package com.modelpress.worker;

import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.engine.testing.CachedDecoderFixtures;
import com.modelpress.engine.testing.CachedDecoderFixtures.Shape;
import com.modelpress.engine.testing.TokenizerFixtures;
import com.modelpress.files.Sha256;
import com.modelpress.storage.StoredArtifact;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Decoder LMs with text parts through a real worker, its engine in the sandboxed child JVM (allow-listed environment,
 * its own {@code java.io.tmpdir}) against the real broker: the child fetches nothing itself, tokenizes the job's texts
 * with its tokenizer.json through DJL and scores next-token fidelity on them. The child's {@code user.home} is a
 * folder that does not exist, so DJL must unpack its native library into the child's temporary folder, offline.
 * Text the library or the model cannot use ends the job FAILED with a code that says so, without retries.
 */
@SpringBootTest(classes = WorkerApplication.class, properties = {
        "spring.main.web-application-type=none",
        "modelpress.worker.progress-interval=1h",
        "modelpress.worker.heartbeat-interval=1h",
        "modelpress.worker.latency-runs=0",
        "modelpress.worker.sandbox.java-options=-Duser.home=/nonexistent/modelpress-home -XX:TieredStopAtLevel=1"})
class LanguageModelJobIntegrationTest extends WorkerIntegrationTestSupport {

    private static final String TOKENIZER = TokenizerFixtures.byteLevelBpe();
    private static final String CALIBRATION = TokenizerFixtures.prose(12, 60);
    private static final String EVALUATION = TokenizerFixtures.prose(11, 60);

    private UUID jobId;
    private StoredArtifact model;

    @BeforeEach
    void storeDecoder() {
        jobId = UUID.randomUUID();
        model = storeInput(jobId, "decoder.onnx", CachedDecoderFixtures.decoder(Shape.small(), 1).toByteArray());
    }

    @Test
    void int4OnTextCalibratesAndScoresNextTokensInTheChild() {
        CompressionRequest request = new CompressionRequest("int4",
                new CompressionOptions(null, null, List.of(), null, null, "int8"), null,
                new CompressionRequest.EvaluationSpec(3, 7L, false, 32, 2), Map.of());
        submit(job(request, text("calibrationText", "cal.txt", CALIBRATION), text("evaluationText", "eval.txt", EVALUATION),
                text("tokenizer", "tokenizer.json", TOKENIZER)));

        JobEvent last = awaitTerminal(jobId).getLast();
        assertThat(last).as("%s", last).isInstanceOf(JobEvent.Succeeded.class);
        FidelityReport report = ((JobEvent.Succeeded) last).report();
        assertThat(report.model().kind()).isEqualTo("decoder-lm");
        assertThat(report.evaluation().text().file()).as("the user's name, not the worker's path").isEqualTo("eval.txt");
        assertThat(report.evaluation().text().sha256()).isEqualTo(Sha256.of(EVALUATION));
        assertThat(report.evaluation().text().windows()).isEqualTo(3);
        assertThat(report.evaluation().text().context()).isEqualTo(32);
        assertThat(report.calibrationText().file()).isEqualTo("cal.txt");
        assertThat(report.calibrationText().sha256()).isEqualTo(Sha256.of(CALIBRATION));
        FidelityReport.LanguageModelFidelity lm = report.languageModel();
        assertThat(lm.source()).isEqualTo("text");
        assertThat(lm.prefill().positions()).isEqualTo(3 * 32);
        assertThat(lm.decode().positions()).isEqualTo(3 * 2);
        assertThat(lm.prefill().perplexityOriginal()).isGreaterThan(1);
        assertThat(lm.prefill().klMean()).isGreaterThan(0).isLessThan(0.05);
        assertThat(report.tensors()).as("options.head int8: the LM head in 8 bits, the rest in 4")
                .anySatisfy(t -> assertThat(t.bits()).isEqualTo(8))
                .anySatisfy(t -> assertThat(t.bits()).isEqualTo(4));
        assertSettled(jobId);
    }

    @Test
    void autoSearchesForTheSmallestModelWithinTheKlAndPerplexityTargetsOnTheText() {
        CompressionRequest request = new CompressionRequest("auto", CompressionOptions.defaults(),
                new CompressionRequest.Target(null, null, 0.05, 0.5),
                new CompressionRequest.EvaluationSpec(2, 7L, false, 32, 1), Map.of());
        submit(job(request, text("evaluationText", "eval.txt", EVALUATION), text("tokenizer", "tokenizer.json", TOKENIZER)));

        JobEvent last = awaitTerminal(jobId).getLast();
        assertThat(last).as("%s", last).isInstanceOf(JobEvent.Succeeded.class);
        FidelityReport report = ((JobEvent.Succeeded) last).report();
        assertThat(report.method()).isEqualTo("auto");
        assertThat(report.notes()).contains("auto: target KL 0.0500, perplexity +50.00 % met");
        FidelityReport.LanguageModelFidelity lm = report.languageModel();
        assertThat(lm.prefill().klMean()).isLessThanOrEqualTo(0.05);
        assertThat(lm.decode().klMean()).isLessThanOrEqualTo(0.05);
        assertThat(Math.exp(lm.prefill().lnPerplexityRatio()) - 1).isLessThanOrEqualTo(0.5);
        assertSettled(jobId);
    }

    @Test
    void aTokenizerTheLibraryRefusesFailsTheJobAsInvalidTokenizer() {
        // a tokenizer.json's shape (a model with a vocab), but BPE's vocab must be a map: only the library can tell
        submit(job(request(), text("evaluationText", "eval.txt", EVALUATION),
                text("tokenizer", "tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": [1, 2], \"merges\": []}}")));

        assertFailed("invalid_tokenizer", "cannot use the tokenizer");
    }

    @Test
    void aTextTooShortForOneWindowFailsTheJobAsInvalidText() {
        submit(job(request(), text("evaluationText", "short.txt", "too short"),
                text("tokenizer", "tokenizer.json", TOKENIZER)));

        assertFailed("invalid_text", "short.txt has 9 tokens; one window needs");
    }

    @Test
    void theSameTextForCalibrationAndEvaluationFailsTheJobAsInvalidText() {
        submit(job(request(), text("calibrationText", "a.txt", EVALUATION), text("evaluationText", "b.txt", EVALUATION),
                text("tokenizer", "tokenizer.json", TOKENIZER)));

        assertFailed("invalid_text", "calibrationText a.txt and evaluationText b.txt are the same text");
    }

    @Test
    void aTextWhoseBytesDoNotMatchItsDigestFailsAsInputCorrupt() {
        JobMessage.InputFile text = text("evaluationText", "eval.txt", EVALUATION);
        submit(job(request(), new JobMessage.InputFile(text.key(), text.name(), Sha256.of("other text")),
                text("tokenizer", "tokenizer.json", TOKENIZER)));

        assertFailed("input_corrupt", "evaluationText/eval.txt' has SHA-256 " + Sha256.of(EVALUATION));
    }

    @Test
    void aTextStoredForAnotherJobIsRefused() {
        UUID other = UUID.randomUUID();
        StoredArtifact foreign = storeInput(other, "evaluationText/eval.txt", EVALUATION.getBytes(StandardCharsets.UTF_8));
        submit(job(request(), new JobMessage.InputFile(foreign.key(), "eval.txt", foreign.sha256()),
                text("tokenizer", "tokenizer.json", TOKENIZER)));

        assertFailed("invalid_request", "is not one of the job's inputs");
    }

    private static CompressionRequest request() {
        return new CompressionRequest("int8", CompressionOptions.defaults(), null,
                new CompressionRequest.EvaluationSpec(2, 7L, false, 32, 1), Map.of());
    }

    /** The job with its texts: calibration and evaluation text as given (either may be left out), then the tokenizer. */
    private JobMessage job(CompressionRequest request, JobMessage.InputFile... files) {
        JobMessage.InputFile calibration = null;
        JobMessage.InputFile evaluation = null;
        JobMessage.InputFile tokenizer = files[files.length - 1];
        for (int i = 0; i < files.length - 1; i++) {
            if (files[i].key().contains("/calibrationText/")) {
                calibration = files[i];
            } else {
                evaluation = files[i];
            }
        }
        return new JobMessage(JobMessage.SCHEMA_VERSION, jobId, model.key(), "decoder.onnx", model.sha256(), request,
                Instant.now(), null, null, calibration, evaluation, tokenizer);
    }

    private JobMessage.InputFile text(String part, String name, String content) {
        StoredArtifact stored = storeInput(jobId, part + "/" + name, content.getBytes(StandardCharsets.UTF_8));
        return new JobMessage.InputFile(stored.key(), name, stored.sha256());
    }

    private void assertFailed(String code, String message) {
        List<JobEvent> events = awaitTerminal(jobId);
        assertThat(events.getLast()).isInstanceOfSatisfying(JobEvent.Failed.class, failed -> {
            assertThat(failed.code()).as(failed.message()).isEqualTo(code);
            assertThat(failed.message()).contains(message).doesNotContain("/tmp/", "worker-it-");
            assertThat(failed.retryable()).isFalse();
        });
        assertSettled(jobId);
    }
}
