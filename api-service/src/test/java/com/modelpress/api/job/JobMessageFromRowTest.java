package com.modelpress.api.job;

import com.modelpress.contracts.CompressionRequest;
import com.modelpress.contracts.job.JobMessage;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Every attempt's job message is rebuilt from the job row: it must carry all the submit's inputs, texts included. */
class JobMessageFromRowTest {

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void aRetryCarriesTheCalibrationSamplesTextsAndTokenizerOfTheSubmit() {
        UUID id = UUID.randomUUID();
        JobTextParts.Stored texts = new JobTextParts.Stored(
                new JobMessage.InputFile("jobs/%s/input/calibrationText/cal.txt".formatted(id), "cal.txt", "a".repeat(64)),
                new JobMessage.InputFile("jobs/%s/input/evaluationText/eval.txt".formatted(id), "eval.txt", "b".repeat(64)),
                new JobMessage.InputFile("jobs/%s/input/tokenizer/tokenizer.json".formatted(id), "tokenizer.json",
                        "c".repeat(64)));
        String request = json.writeValueAsString(new CompressionRequest("int4", null, null, null, null));
        CompressionJob job = new CompressionJob(id, "alice", "int4", request, "{}", null, "h".repeat(64),
                "jobs/%s/input/model.onnx".formatted(id), "model.onnx", "s".repeat(64), 10,
                "jobs/%s/input/calibration/samples.zip".formatted(id), "d".repeat(64), json.writeValueAsString(texts));

        JobMessage third = JobEventIntake.jobMessage(job, json, 3);

        assertThat(third.attempt()).isEqualTo(3);
        assertThat(third.calibrationKey()).endsWith("samples.zip");
        assertThat(third.calibrationText()).isEqualTo(texts.calibrationText());
        assertThat(third.evaluationText()).isEqualTo(texts.evaluationText());
        assertThat(third.tokenizer()).isEqualTo(texts.tokenizer());
        assertThat(third.forAttempt(4).tokenizer()).isEqualTo(texts.tokenizer());
    }

    @Test
    void aJobWithoutTextsHasNoneInAnyAttempt() {
        String request = json.writeValueAsString(new CompressionRequest("int8", null, null, null, null));
        CompressionJob job = new CompressionJob(UUID.randomUUID(), "bob", "int8", request, "{}", null, "h".repeat(64),
                "jobs/x/input/model.onnx", "model.onnx", "s".repeat(64), 10, null, null, null);

        JobMessage second = JobEventIntake.jobMessage(job, json, 2);

        assertThat(second.calibrationText()).isNull();
        assertThat(second.evaluationText()).isNull();
        assertThat(second.tokenizer()).isNull();
    }
}
