package com.modelpress.cli;

import com.modelpress.api.ApiApplication;
import com.modelpress.contracts.FidelityReport;
import com.modelpress.contracts.job.Topology;
import com.modelpress.embedded.TestServices;
import com.modelpress.engine.testing.CachedDecoderFixtures;
import com.modelpress.engine.testing.CachedDecoderFixtures.Shape;
import com.modelpress.engine.testing.OnnxFixtures;
import com.modelpress.engine.testing.TokenizerFixtures;
import com.modelpress.files.FileTrees;
import com.modelpress.worker.WorkerApplication;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A decoder LM through the whole platform: the API and a worker (engine in its sandboxed child JVM) in this JVM on
 * PostgreSQL and RabbitMQ from {@link TestServices} (schema {@value #SCHEMA}), driven by the CLI's REST commands. The
 * decoder is built in code ({@link CachedDecoderFixtures}, vocabulary 256) with a byte-level tokenizer.json, so any
 * text fits it. Checks what the CLI prints and exits with against the job's columns in PostgreSQL and the report the
 * API serves, and that the CLI's checks and the server's refusals reach the user as documented.
 */
class LanguageModelPlatformIntegrationTest {

    static final String SCHEMA = "lm_cli_it";
    static final String ADMIN_KEY = "mp_test_admin_0123456789abcdef0123456789abcdef";

    private static Path dir;
    private static ConfigurableApplicationContext api;
    private static ConfigurableApplicationContext worker;
    private static String server;
    private static Path model;
    private static Path tokenizer;
    private static Path calibration;
    private static Path evaluation;

    @BeforeAll
    static void startPlatform() throws IOException {
        dir = Files.createTempDirectory("modelpress-lm-platform-");
        model = OnnxFixtures.write(CachedDecoderFixtures.decoder(Shape.small(), 1), dir.resolve("decoder.onnx"));
        tokenizer = Files.writeString(dir.resolve("tokenizer.json"), TokenizerFixtures.byteLevelBpe());
        calibration = Files.writeString(dir.resolve("cal.txt"), TokenizerFixtures.prose(12, 80));
        evaluation = Files.writeString(dir.resolve("eval.txt"), TokenizerFixtures.prose(11, 80));
        int port = LocalPorts.free();
        server = LocalPorts.url(port);

        TestServices.Settings services = TestServices.settings();
        Map<String, String> common = new LinkedHashMap<>(services.springProperties());
        common.put("modelpress.storage.root", dir.resolve("artifacts").toString());
        common.put("spring.jmx.enabled", "false");
        common.put("spring.main.banner-mode", "off");
        String url = services.postgres().jdbcUrl();
        Map<String, String> apiProperties = new LinkedHashMap<>(common);
        apiProperties.putAll(Map.of(
                "spring.config.name", "api-service",
                "spring.datasource.url", url + (url.contains("?") ? "&" : "?") + "currentSchema=" + SCHEMA,
                "spring.flyway.schemas", SCHEMA,
                "modelpress.api.auth.admin-key", ADMIN_KEY,
                "server.address", "127.0.0.1",
                "server.port", Integer.toString(port)));
        api = run(ApiApplication.class, apiProperties);
        // messages other suites left on the shared queues are not this test's jobs
        AmqpAdmin admin = api.getBean(AmqpAdmin.class);
        for (String queue : List.of(Topology.JOBS_QUEUE, Topology.EVENTS_QUEUE, Topology.JOBS_DEAD_LETTER_QUEUE)) {
            admin.purgeQueue(queue, false);
        }
        Map<String, String> workerProperties = new LinkedHashMap<>(common);
        workerProperties.putAll(Map.of(
                "spring.config.name", "worker-service",
                "server.address", "127.0.0.1",
                "server.port", "0",
                "modelpress.worker.work-dir", dir.resolve("work").toString(),
                "modelpress.worker.latency-runs", "0",
                "modelpress.worker.heartbeat-interval", "1h"));
        worker = run(WorkerApplication.class, workerProperties);
    }

    @AfterAll
    static void stopPlatform() throws IOException {
        if (worker != null) {
            worker.close();
        }
        if (api != null) {
            api.close();
        }
        if (dir != null) {
            FileTrees.delete(dir);
        }
    }

    @Test
    void submitWaitOnTextsGatesByKlAndPerplexityAndTheNumbersMatchTheJobsColumns() throws Exception {
        CliRun submit = cli("submit", model.toString(), "-m", "int4", "--eval-text", evaluation.toString(),
                "--calibration-text", calibration.toString(), "--tokenizer", tokenizer.toString(), "--context", "32",
                "--samples", "3", "--decode-steps", "2", "--head", "int8", "--no-sensitivity", "--wait",
                "--max-kl", "0.05", "--max-ppl-increase", "0.5");

        assertThat(submit.exitCode()).as("%s%n%s", submit.out(), submit.err()).isZero();
        String id = submit.out().lines().findFirst().orElseThrow().strip();
        FidelityReport report = ApiClient.JSON.readValue(get("/api/v1/jobs/" + id + "/report"), FidelityReport.class);
        FidelityReport.NextTokenFidelity prefill = report.languageModel().prefill();
        FidelityReport.NextTokenFidelity decode = report.languageModel().decode();
        assertThat(prefill.positions()).isEqualTo(3 * 32);
        assertThat(decode.positions()).isEqualTo(3 * 2);
        assertThat(report.evaluation().text().file()).isEqualTo("eval.txt");
        assertThat(report.calibrationText().file()).isEqualTo("cal.txt");
        assertThat(report.tensors()).as("--head int8: the LM head in 8 bits").anySatisfy(t -> assertThat(t.bits()).isEqualTo(8));
        // the table compress prints, then the verdict with every gate
        String table = ReportSummary.nextTokenTable(report);
        assertThat(table).contains("next-token fidelity of 'logits' on 3 windows of 32 tokens from eval.txt, then 2 decode "
                + "steps each").contains("calibrated on");
        assertThat(submit.out()).contains(table)
                .containsPattern("job " + id + " SUCCEEDED: worst mean cosine [0-9.]+, mean KL prefill [0-9.e-]+ <= 0.05, "
                        + "mean KL decode [0-9.e-]+ <= 0.05, perplexity [-+][0-9.]+% <= 50%");

        Map<String, Object> columns = columns(id);
        assertThat(columns.get("model_kind")).isEqualTo("decoder-lm");
        assertThat(columns.get("lm_perplexity_original")).isEqualTo(prefill.perplexityOriginal());
        assertThat(columns.get("lm_perplexity_compressed")).isEqualTo(prefill.perplexityCompressed());
        assertThat(columns.get("lm_ln_perplexity_ratio")).isEqualTo(prefill.lnPerplexityRatio());
        assertThat(columns.get("lm_kl_mean")).isEqualTo(prefill.klMean());
        assertThat(columns.get("lm_kl_p99")).isEqualTo(prefill.klP99());
        assertThat(columns.get("lm_decode_kl_mean")).isEqualTo(decode.klMean());
        assertThat(columns.get("lm_same_top1")).isEqualTo(prefill.sameTop1());
        assertThat(columns.get("lm_band")).isEqualTo(prefill.band());

        JsonNode view = ApiClient.JSON.readTree(get("/api/v1/jobs/" + id));
        assertThat(view.at("/languageModel/klMean").asDouble()).isEqualTo(prefill.klMean());
        assertThat(view.at("/languageModel/decodeKlMean").asDouble()).isEqualTo(decode.klMean());
        JsonNode listed = ApiClient.JSON.readTree(get("/api/v1/jobs?modelKind=decoder-lm&maxKlMean=" + prefill.klMean()));
        assertThat(listed.get("items").valueStream().map(job -> job.get("id").asString())).contains(id);

        CliRun status = cli("status", id);
        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out()).contains(id + " SUCCEEDED method=int4").contains(table);
        CliRun shown = cli("report", id);
        assertThat(shown.out()).contains(table);

        double tooLow = prefill.klMean() / 2;
        CliRun gated = cli("wait", id, "--max-kl", Double.toString(tooLow));
        assertThat(gated.exitCode()).as(gated.out()).isEqualTo(ExitCode.BELOW_GATE);
        assertThat(gated.out()).contains("SUCCEEDED but below the gate").containsPattern("mean KL prefill [0-9.e-]+ > ");
    }

    @Test
    void theServerRefusesABrokenTokenizerWithExitThreeAndTheWorkerOneOnlyTheLibraryRefusesWithExitFour()
            throws IOException {
        Path notJson = Files.writeString(dir.resolve("broken.json"), "{\"model\": {\"vocab\": ");
        CliRun refused = cli("submit", model.toString(), "-m", "int8", "--eval-text", evaluation.toString(),
                "--tokenizer", notJson.toString());
        assertThat(refused.exitCode()).as(refused.err()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(refused.err()).contains("error: the server rejected the job:").contains("(invalid_tokenizer)");

        Path arrayVocab = Files.writeString(dir.resolve("array-vocab.json"),
                "{\"model\": {\"type\": \"BPE\", \"vocab\": [1, 2], \"merges\": []}}");
        CliRun failed = cli("submit", model.toString(), "-m", "int8", "--eval-text", evaluation.toString(),
                "--tokenizer", arrayVocab.toString(), "--context", "32", "--samples", "2", "--no-sensitivity", "--wait");
        assertThat(failed.exitCode()).as("%s%n%s", failed.out(), failed.err()).isEqualTo(ExitCode.JOB_FAILED);
        assertThat(failed.out()).contains("FAILED: invalid_tokenizer: cannot use the tokenizer array-vocab.json");
    }

    private static CliRun cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--server", server, "--api-key", ADMIN_KEY));
        if (args[0].equals("submit") || args[0].equals("wait")) {
            all.addAll(List.of("--poll-interval", "200"));
        }
        return CliRun.of(all.toArray(String[]::new));
    }

    private static String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static Map<String, Object> columns(String id) throws Exception {
        TestServices.PostgresSettings postgres = TestServices.postgres();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(), postgres.password());
             var query = connection.prepareStatement("select model_kind, lm_perplexity_original, lm_perplexity_compressed, "
                     + "lm_ln_perplexity_ratio, lm_kl_mean, lm_kl_p99, lm_decode_kl_mean, lm_same_top1, lm_band from "
                     + SCHEMA + ".jobs where id = ?::uuid")) {
            query.setString(1, id);
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).as("job %s in PostgreSQL", id).isTrue();
                Map<String, Object> columns = new LinkedHashMap<>();
                for (int c = 1; c <= row.getMetaData().getColumnCount(); c++) {
                    columns.put(row.getMetaData().getColumnName(c), row.getObject(c));
                }
                return columns;
            }
        }
    }

    /** As {@code StandalonePlatform} runs the services: properties as command-line arguments, outranking their files. */
    private static ConfigurableApplicationContext run(Class<?> application, Map<String, String> properties) {
        List<String> arguments = new ArrayList<>();
        properties.forEach((key, value) -> arguments.add("--" + key + "=" + value));
        return new SpringApplicationBuilder(application).registerShutdownHook(false).run(arguments.toArray(String[]::new));
    }
}
