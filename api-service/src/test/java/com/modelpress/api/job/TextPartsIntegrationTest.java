package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiClient.RawPart;
import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.SimulatedWorker;
import com.modelpress.contracts.CompressionOptions;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.FidelityVerdict;
import com.modelpress.contracts.job.ArtifactRef;
import com.modelpress.contracts.job.JobEvent;
import com.modelpress.contracts.job.JobMessage;
import com.modelpress.files.Sha256;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.modelpress.api.job.JobLifecycleIntegrationTest.randomBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The language-model parts of a submit over real HTTP, PostgreSQL and RabbitMQ: texts and a tokenizer are stored with
 * their digests and travel with the job message; bad parts are refused with problem+json before anything is stored;
 * the report's language-model numbers become columns of the job (V8), show in the job view and filter the list.
 */
class TextPartsIntegrationTest extends ApiIntegrationTest {

    static final String TOKENIZER = """
            {"version":"1.0","added_tokens":[],"normalizer":null,"pre_tokenizer":{"type":"Whitespace"},
             "model":{"type":"WordLevel","vocab":{"[UNK]":0,"the":1,"cat":2,"sat":3},"unk_token":"[UNK]"}}""";
    static final String CALIBRATION = "the cat sat\nthe cat sat on the mat\n";
    static final String EVALUATION = "a dog ran\nthe dog ran to the cat\n";

    @Test
    void textsAndTokenizerAreStoredWithTheirDigestsAndTravelWithTheJob() throws Exception {
        String request = """
                {"method":"auto","options":{"head":"int8"},"target":{"maxKl":0.01,"maxPplIncrease":0.02},
                 "evaluation":{"samples":3,"context":64,"decodeSteps":4}}""";
        ApiClient.Response submitted = api.submitParts(model(), json("request", request),
                file("calibrationText", "../my cal.txt", CALIBRATION), file("evaluationText", "eval.txt", EVALUATION),
                file("tokenizer", "tokenizer.json", TOKENIZER));

        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());
        JobMessage job = worker.awaitJob(id).job();
        assertThat(job.calibrationText()).isEqualTo(new JobMessage.InputFile(
                "jobs/%s/input/calibrationText/my_cal.txt".formatted(id), "my_cal.txt", Sha256.of(CALIBRATION)));
        assertThat(job.evaluationText()).isEqualTo(new JobMessage.InputFile(
                "jobs/%s/input/evaluationText/eval.txt".formatted(id), "eval.txt", Sha256.of(EVALUATION)));
        assertThat(job.tokenizer()).isEqualTo(new JobMessage.InputFile(
                "jobs/%s/input/tokenizer/tokenizer.json".formatted(id), "tokenizer.json", Sha256.of(TOKENIZER)));
        for (JobMessage.InputFile file : List.of(job.calibrationText(), job.evaluationText(), job.tokenizer())) {
            assertThat(store.stat(file.key())).hasValueSatisfying(stored -> assertThat(stored.sha256()).isEqualTo(file.sha256()));
        }
        assertThat(job.request().options().head()).isEqualTo("int8");
        assertThat(job.request().target().maxPplIncrease()).isEqualTo(0.02);
        assertThat(job.request().evaluation().context()).isEqualTo(64);
        assertThat(job.request().evaluation().decodeSteps()).isEqualTo(4);

        JsonNode view = api.get("/api/v1/jobs/" + id).json();
        assertThat(view.at("/request/target/maxPplIncrease").asDouble()).isEqualTo(0.02);
        assertThat(view.at("/request/evaluation/context").asInt()).isEqualTo(64);
        assertThat(view.get("modelKind").isNull()).as("no report yet").isTrue();
        assertThat(view.get("verdict").isNull()).as("no report yet").isTrue();
        assertThat(view.get("languageModel").isNull()).isTrue();

        // the same model and request with another evaluation text is another job, not a replay
        List<RawPart> again = List.of(model(), json("request", request), file("calibrationText", "cal.txt", CALIBRATION),
                file("evaluationText", "eval.txt", EVALUATION), file("tokenizer", "tokenizer.json", TOKENIZER));
        assertThat(submitWithKey("texts-1", again).status()).isEqualTo(202);
        List<RawPart> otherText = new ArrayList<>(again);
        otherText.set(3, file("evaluationText", "eval.txt", EVALUATION + "more\n"));
        ApiClient.Response conflict = submitWithKey("texts-1", otherText);
        assertThat(conflict.status()).isEqualTo(422);
        assertThat(conflict.json().get("code").asString()).isEqualTo("idempotency_key_reused");
    }

    @Test
    void badTextPartsAreRefusedBeforeAnythingIsStored() {
        String int4 = "{\"method\":\"int4\"}";
        refused(422, "validation_failed", "tokenizer is required with evaluationText",
                model(), json("request", int4), file("evaluationText", "eval.txt", EVALUATION));
        refused(422, "validation_failed", "tokenizer is only used with a calibrationText or evaluationText part",
                model(), json("request", int4), file("tokenizer", "tokenizer.json", TOKENIZER));
        refused(422, "validation_failed", "evaluationText is the same text as the calibrationText (sha256 " + Sha256.of(EVALUATION),
                model(), json("request", int4), file("calibrationText", "a.txt", EVALUATION),
                file("evaluationText", "b.txt", EVALUATION), file("tokenizer", "tokenizer.json", TOKENIZER));
        refused(422, "validation_failed", "calibrationText and the calibration samples exclude each other",
                model(), json("request", int4), file("calibration", "samples.zip", "PK"),
                file("calibrationText", "cal.txt", CALIBRATION), file("tokenizer", "tokenizer.json", TOKENIZER));
        refused(422, "validation_failed", "target.maxPplIncrease needs an evaluationText part",
                model(), json("request", "{\"method\":\"auto\",\"target\":{\"maxPplIncrease\":0.01}}"),
                file("calibrationText", "cal.txt", CALIBRATION), file("tokenizer", "tokenizer.json", TOKENIZER));
        refused(422, "validation_failed", "evaluation.context sets the window of a calibrationText or evaluationText",
                model(), json("request", "{\"method\":\"int8\",\"evaluation\":{\"context\":64}}"));
        refused(422, "validation_failed", "options.head must be one of",
                model(), json("request", "{\"method\":\"int4\",\"options\":{\"head\":\"fp8\"}}"));

        refused(422, "invalid_tokenizer", "is not a Hugging Face tokenizer.json: it is not valid JSON",
                model(), json("request", int4), file("evaluationText", "eval.txt", EVALUATION),
                file("tokenizer", "tokenizer.json", "{\"model\": {\"vocab\": {\"a\": 0}"));
        refused(422, "invalid_tokenizer", "it has no \"model\" object with a \"vocab\"",
                model(), json("request", int4), file("evaluationText", "eval.txt", EVALUATION),
                file("tokenizer", "tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"merges\": []}}"));
        refused(422, "invalid_tokenizer", "its model type 'Nonsense' is not one of [BPE, Unigram, WordLevel, WordPiece]",
                model(), json("request", int4), file("evaluationText", "eval.txt", EVALUATION),
                file("tokenizer", "tokenizer.json", "{\"model\": {\"type\": \"Nonsense\", \"vocab\": {}}}"));
        refused(422, "invalid_tokenizer", "it is not a JSON object",
                model(), json("request", int4), file("evaluationText", "eval.txt", EVALUATION),
                file("tokenizer", "tokenizer.json", "[1, 2]"));

        refused(422, "invalid_text", "The 'evaluationText' part 'eval.txt' is not UTF-8 text",
                model(), json("request", int4), new RawPart("evaluationText", "eval.txt", "text/plain",
                        new byte[] {'a', ' ', (byte) 0xff, (byte) 0xfe, 'b'}), file("tokenizer", "tokenizer.json", TOKENIZER));
        refused(422, "invalid_text", "The 'calibrationText' part 'cal.txt' holds no text",
                model(), json("request", int4), file("calibrationText", "cal.txt", " \n\t\n"),
                file("tokenizer", "tokenizer.json", TOKENIZER));
        refused(413, "payload_too_large", "The 'evaluationText' part holds 65537 bytes, more than the limit of 65536 bytes "
                        + "(modelpress.api.text.max-text-size)",
                model(), json("request", int4), file("evaluationText", "eval.txt", "a".repeat(64 * 1024 + 1)),
                file("tokenizer", "tokenizer.json", TOKENIZER));

        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
        assertThat(jdbc.sql("select count(*) from outbox").query(Long.class).single()).isZero();
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(store.list("jobs")).as("nothing stored for a refused submit").isEmpty());
    }

    @Test
    void theReportsLanguageModelNumbersAreColumnsOfTheJobShownInItsViewAndFilterTheList() throws Exception {
        UUID decoder = submitAndSucceed(report(0.0035, "Q6_K"));
        UUID quantized = submitAndSucceed(report(0.02, "Q4_K_M"));
        UUID encoder = submitAndSucceed(SimulatedWorker.report("int8", "in", "out"));

        var columns = jdbc.sql("""
                        select model_kind, lm_perplexity_original, lm_perplexity_compressed, lm_ln_perplexity_ratio,
                               lm_kl_mean, lm_kl_p99, lm_decode_kl_mean, lm_same_top1, lm_band
                        from jobs where id = :id""").param("id", decoder)
                .query((rs, row) -> List.of(rs.getString(1), rs.getDouble(2), rs.getDouble(3), rs.getDouble(4),
                        rs.getDouble(5), rs.getDouble(6), rs.getDouble(7), rs.getDouble(8), rs.getString(9))).single();
        assertThat(columns).containsExactly("decoder-lm", 61.0, 61.3, 0.0049, 0.0035, 0.017, 0.0037, 0.944, "Q6_K");
        assertThat(jdbc.sql("select model_kind, lm_kl_mean from jobs where id = :id").param("id", encoder)
                .query((rs, row) -> rs.getString(1) + "/" + rs.getObject(2)).single()).isEqualTo("null/null");

        JsonNode view = api.get("/api/v1/jobs/" + decoder).json();
        assertThat(view.get("modelKind").asString()).isEqualTo("decoder-lm");
        // mean KL 0.0035 / 0.0037 with same top-1 94.4 % / 94 %: within Q4_K_M's band, so "close" (FidelityVerdict)
        assertThat(view.get("verdict").asString()).isEqualTo("close");
        assertThat(jdbc.sql("select verdict from jobs where id = :id").param("id", decoder).query(String.class).single())
                .isEqualTo("close");
        JsonNode lm = view.get("languageModel");
        assertThat(lm.get("perplexityOriginal").asDouble()).isEqualTo(61.0);
        assertThat(lm.get("perplexityCompressed").asDouble()).isEqualTo(61.3);
        assertThat(lm.get("lnPerplexityRatio").asDouble()).isEqualTo(0.0049);
        assertThat(lm.get("klMean").asDouble()).isEqualTo(0.0035);
        assertThat(lm.get("klP99").asDouble()).isEqualTo(0.017);
        assertThat(lm.get("decodeKlMean").asDouble()).isEqualTo(0.0037);
        assertThat(lm.get("sameTop1").asDouble()).isEqualTo(0.944);
        assertThat(lm.get("band").asString()).isEqualTo("Q6_K");
        assertThat(api.get("/api/v1/jobs/" + encoder).json().get("languageModel").isNull()).isTrue();

        assertThat(ids("/api/v1/jobs?modelKind=decoder-lm")).containsExactly(decoder.toString(), quantized.toString());
        assertThat(ids("/api/v1/jobs?maxKlMean=0.01")).containsExactly(decoder.toString());
        assertThat(ids("/api/v1/jobs?modelKind=decoder-lm&maxKlMean=0.05&status=succeeded"))
                .containsExactly(decoder.toString(), quantized.toString());
        assertThat(ids("/api/v1/jobs?maxKlMean=0.001")).isEmpty();
        assertThat(ids("/api/v1/jobs")).hasSize(3);
        JsonNode listed = api.get("/api/v1/jobs?modelKind=decoder-lm&limit=1").json();
        assertThat(listed.at("/items/0/languageModel/band").asString()).isEqualTo("Q6_K");
        assertThat(ids("/api/v1/jobs?modelKind=decoder-lm&after=" + listed.get("next").asString()))
                .containsExactly(quantized.toString());

        ApiClient.Response badKind = api.get("/api/v1/jobs?modelKind=llm");
        assertThat(badKind.status()).isEqualTo(400);
        assertThat(badKind.json().get("code").asString()).isEqualTo("invalid_parameter");
        assertThat(api.get("/api/v1/jobs?maxKlMean=-1").json().get("code").asString()).isEqualTo("invalid_parameter");
        assertThat(api.get("/api/v1/jobs?maxKlMean=lots").status()).isEqualTo(400);

        // by verdict: each level lists exactly the jobs whose view carries it (and the levels none has, nothing)
        Map<String, List<String>> byVerdict = new java.util.TreeMap<>();
        for (UUID id : List.of(decoder, quantized, encoder)) {
            byVerdict.computeIfAbsent(api.get("/api/v1/jobs/" + id).json().get("verdict").asString(),
                    level -> new ArrayList<>()).add(id.toString());
        }
        for (String level : FidelityVerdict.LEVELS) {
            assertThat(ids("/api/v1/jobs?verdict=" + level)).as(level)
                    .containsExactlyInAnyOrderElementsOf(byVerdict.getOrDefault(level, List.of()));
        }
        assertThat(ids("/api/v1/jobs?verdict=close&modelKind=decoder-lm")).containsExactly(decoder.toString(),
                quantized.toString());
        assertThat(ids("/api/v1/jobs?verdict=close&maxKlMean=0.01")).containsExactly(decoder.toString());
        ApiClient.Response badVerdict = api.get("/api/v1/jobs?verdict=fine");
        assertThat(badVerdict.status()).isEqualTo(400);
        assertThat(badVerdict.json().get("code").asString()).isEqualTo("invalid_parameter");
        assertThat(badVerdict.json().toString()).contains("lossless");

        // a user key sees only its owner's jobs, filtered the same way
        String userKey = api.send("POST", "/api/v1/api-keys", org.springframework.http.MediaType.APPLICATION_JSON,
                "{\"owner\":\"someone\"}".getBytes(StandardCharsets.UTF_8)).json().get("key").asString();
        assertThat(ids(api.withKey(userKey), "/api/v1/jobs?modelKind=decoder-lm")).isEmpty();
    }

    @Test
    void theOpenApiDocumentDescribesThePartsTheOptionsTheFiltersAndTheNumbers() {
        JsonNode document = api.get("/v3/api-docs").json();
        JsonNode submit = document.at("/paths/~1api~1v1~1jobs/post/requestBody/content/multipart~1form-data/schema/properties");
        for (String part : List.of("calibrationText", "evaluationText", "tokenizer")) {
            assertThat(submit.at("/" + part + "/description").asString()).as(part).isNotBlank();
        }
        assertThat(submit.at("/tokenizer/description").asString()).contains("tokenizer.json");
        List<String> listParameters = document.at("/paths/~1api~1v1~1jobs/get/parameters").valueStream()
                .map(p -> p.get("name").asString()).toList();
        assertThat(listParameters).contains("modelKind", "maxKlMean", "verdict");
        JsonNode schemas = document.at("/components/schemas");
        assertThat(schemas.at("/Target/properties/maxPplIncrease/description").asString()).contains("perplexity");
        assertThat(schemas.at("/EvaluationSpec/properties/context/maximum").asInt()).isEqualTo(8192);
        assertThat(schemas.at("/EvaluationSpec/properties/decodeSteps/maximum").asInt()).isEqualTo(1024);
        assertThat(schemas.at("/CompressionOptions/properties/head/enum").valueStream().map(JsonNode::asString))
                .containsExactly("measured", "int4", "int8", "kept");
        assertThat(schemas.at("/JobView/properties").propertyNames()).contains("verdict", "modelKind", "languageModel");
        assertThat(schemas.at("/LanguageModel/properties").propertyNames()).contains("perplexityOriginal",
                "perplexityCompressed", "lnPerplexityRatio", "klMean", "klP99", "decodeKlMean", "sameTop1", "band");
    }

    /** A decoder's report as the engine writes it, with the numbers the columns must hold. */
    static FidelityReport report(double klMean, String band) {
        FidelityReport base = SimulatedWorker.report("int4", "in", "out");
        FidelityReport.NextTokenFidelity prefill = new FidelityReport.NextTokenFidelity(3072, 61.0, 61.3, 0.0049, klMean,
                0.0025, 0.017, 0.045, 0.944, 0.951, 0.0115, band);
        FidelityReport.NextTokenFidelity decode = new FidelityReport.NextTokenFidelity(768, null, null, null, 0.0037,
                0.003, 0.02, 0.05, 0.94, 0.95, null, band);
        return new FidelityReport(base.schemaVersion(), base.method(), CompressionOptions.defaults(), base.inputSha256(),
                base.outputSha256(), false, base.sizes(), base.bitsPerWeight(), base.outputs(), base.tensors(), null,
                base.evaluation(), base.seed(), base.sessionOptions(), base.versions(), base.timings(), base.notes(),
                List.of(), new FidelityReport.ModelInfo("decoder-lm", "subgraph", 4, 4, 2, 64, 4096L, false, "logits",
                List.of()), new FidelityReport.LanguageModelFidelity("logits", "text", 24, 128, 32, prefill, decode,
                List.of()), null);
    }

    private UUID submitAndSucceed(FidelityReport report) throws Exception {
        ApiClient.Response submitted = api.submit(randomBytes(100, report.hashCode()), "m.onnx", "{\"method\":\"int4\"}", null);
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        UUID id = UUID.fromString(submitted.json().get("id").asString());
        worker.awaitJob(id);
        ArtifactRef out = worker.writeArtifact(id, 1, "model.onnx", randomBytes(50, 1), "application/octet-stream");
        worker.publish(SimulatedWorker.started(id, 1, 1));
        worker.publish(new JobEvent.Succeeded(id, 1, 2, Instant.now(), List.of(out), report));
        await().atMost(Duration.ofSeconds(20)).until(() -> "SUCCEEDED".equals(api.get("/api/v1/jobs/" + id).json()
                .get("status").asString()));
        return id;
    }

    private List<String> ids(String path) {
        return ids(api, path);
    }

    private static List<String> ids(ApiClient client, String path) {
        ApiClient.Response page = client.get(path);
        assertThat(page.status()).as(page.text()).isEqualTo(200);
        return page.json().get("items").valueStream().map(job -> job.get("id").asString()).toList();
    }

    private void refused(int status, String code, String detail, RawPart... parts) {
        ApiClient.Response response = api.submitParts(parts);
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.contentType().toString()).startsWith("application/problem+json");
        assertThat(response.json().get("code").asString()).as(response.text()).isEqualTo(code);
        assertThat(response.json().get("detail").asString()).contains(detail);
    }

    private ApiClient.Response submitWithKey(String key, List<RawPart> parts) {
        return api.submitParts(key, parts.toArray(RawPart[]::new));
    }

    private static RawPart model() {
        return new RawPart("model", "model.onnx", "application/octet-stream", randomBytes(500, 7));
    }

    private static RawPart json(String name, String content) {
        return new RawPart(name, null, "application/json", content.getBytes(StandardCharsets.UTF_8));
    }

    private static RawPart file(String name, String fileName, String content) {
        return new RawPart(name, fileName, "application/octet-stream", content.getBytes(StandardCharsets.UTF_8));
    }
}
