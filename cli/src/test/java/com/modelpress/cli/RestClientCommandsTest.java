package com.modelpress.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** submit, status, wait, download and report against {@link FakeApiServer}, which requires an API key. */
class RestClientCommandsTest {

    static final String KEY = "mp_0123456789abcdef_" + "k".repeat(43);

    @TempDir
    Path folder;

    private FakeApiServer api;
    private Path model;
    private byte[] modelBytes;

    @BeforeEach
    void start() throws IOException {
        api = new FakeApiServer();
        api.requiredKey = KEY;
        modelBytes = new byte[3 * 1024 * 1024 + 17];
        new Random(42).nextBytes(modelBytes);
        model = Files.write(folder.resolve("model \"x\".onnx"), modelBytes);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private CliRun run(String... args) {
        boolean follows = args[0].equals("submit") || args[0].equals("wait");
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of("--server", api.url(), "--api-key", KEY));
        if (follows) {
            all.addAll(List.of("--poll-interval", "5"));
        }
        return CliRun.of(all.toArray(String[]::new));
    }

    @Test
    void theCommandsThatReadAJobShareTheirServerOptionsHelpAndExitCodes() {
        for (String command : List.of("status", "report", "download")) {
            CliRun help = CliRun.of(command, "--help");
            assertThat(help.exitCode()).as(command).isZero();
            assertThat(help.out()).as(command).contains("--server", "--api-key", "--version", "Exit codes:",
                    ExitCode.HELP_SERVER_ERROR.substring(2, 20), ExitCode.HELP_UNAUTHORIZED.substring(2, 12)).contains("ID");
        }
    }

    @Test
    void submitUploadsCalibrationSamplesAsTheirOwnPart() throws java.io.IOException {
        byte[] samples = new byte[3000];
        new java.util.Random(2).nextBytes(samples);
        Path calibration = java.nio.file.Files.write(folder.resolve("samples.zip"), samples);
        CliRun result = run("submit", model.toString(), "--method", "int4", "--rounding", "aware",
                "--calibration", calibration.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.OK);
        Map<String, byte[]> parts = api.uploadedParts();
        assertThat(parts.keySet()).containsExactly("request", "model", "calibration");
        assertThat(parts.get("model")).isEqualTo(modelBytes);
        assertThat(parts.get("calibration")).isEqualTo(samples);
        assertThat(api.uploadedContentLength).isEqualTo((long) api.uploadedBody.length);
        JsonNode request = ApiClient.JSON.readTree(new String(parts.get("request"), StandardCharsets.UTF_8));
        assertThat(request.path("options").path("rounding").asString()).isEqualTo("aware");
    }

    @Test
    void submitStreamsTheModelAndTheRequestAndPrintsTheJobId() {
        CliRun result = run("submit", model.toString(), "--method", "int4", "--block-size", "64", "--symmetric",
                "--samples", "16", "--seed", "3", "--min-cosine", "0.99", "--metadata", "pipeline=nightly-42",
                "--idempotency-key", "k-1");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.OK);
        assertThat(result.out().strip()).isEqualTo(FakeApiServer.JOB_ID);
        Map<String, byte[]> parts = api.uploadedParts();
        assertThat(parts.keySet()).containsExactly("request", "model");
        assertThat(parts.get("model")).isEqualTo(modelBytes);
        assertThat(api.uploadedContentLength).isEqualTo((long) api.uploadedBody.length);
        assertThat(api.uploadedIdempotencyKey).isEqualTo("k-1");
        JsonNode request = ApiClient.JSON.readTree(new String(parts.get("request"), StandardCharsets.UTF_8));
        assertThat(request.path("method").asString()).isEqualTo("int4");
        assertThat(request.path("options").path("blockSize").asInt()).isEqualTo(64);
        assertThat(request.path("options").path("symmetric").asBoolean()).isTrue();
        assertThat(request.path("target").path("minCosine").asDouble()).isEqualTo(0.99);
        assertThat(request.path("evaluation").path("samples").asInt()).isEqualTo(16);
        assertThat(request.path("evaluation").path("seed").asLong()).isEqualTo(3);
        assertThat(request.path("metadata").path("pipeline").asString()).isEqualTo("nightly-42");
        assertThat(new String(api.uploadedBody, 0, 2000, StandardCharsets.ISO_8859_1))
                .contains("filename=\"model %22x%22.onnx\"");
        // nothing declared: the request has no declaration members, and hashes as it did before they existed
        assertThat(request.path("evaluation").has("shapes")).isFalse();
        assertThat(request.path("evaluation").has("values")).isFalse();
    }

    @Test
    void submitSendsDeclaredShapesDimsAndValues() {
        CliRun result = run("submit", model.toString(), "-m", "int8", "--shape", "input=2x512", "--shape", "sr=scalar",
                "--dim", "batch=2", "--set", "sr=16000");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.OK);
        JsonNode evaluation = ApiClient.JSON.readTree(new String(api.uploadedParts().get("request"),
                StandardCharsets.UTF_8)).path("evaluation");
        assertThat(evaluation.path("shapes").path("input").toString()).isEqualTo("[2,512]");
        assertThat(evaluation.path("shapes").path("sr").toString()).isEqualTo("[]");
        assertThat(evaluation.path("dims").path("batch").asLong()).isEqualTo(2);
        assertThat(evaluation.path("values").path("sr").asDouble()).isEqualTo(16000);

        CliRun bad = run("submit", model.toString(), "-m", "int8", "--shape", "input=2xlots");
        assertThat(bad.exitCode()).as(bad.err()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.err()).contains("--shape input=2xlots: 'lots' is not a whole number");
        CliRun huge = run("submit", model.toString(), "-m", "int8", "--shape", "input=1000000x1000000");
        assertThat(huge.exitCode()).as(huge.err()).isEqualTo(ExitCode.USAGE);
        assertThat(huge.err()).contains("--shape input: 1000000x1000000 holds more than 16777216 elements");
    }

    @Test
    void submitWaitFollowsProgressAndExitsZeroWhenTheGateIsMet() {
        api.statuses.clear();
        api.statuses.addAll(List.of("QUEUED", "RUNNING", "RUNNING", "EVALUATING", "SUCCEEDED"));

        CliRun result = run("submit", model.toString(), "-m", "int8", "--wait", "--min-cosine", "0.999");

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.OK);
        assertThat(result.out()).contains("SUCCEEDED: worst mean cosine 0.999100 >= 0.999; verdict ");
        // not a terminal: plain progress lines
        assertThat(result.err()).contains("compress...").contains("compress 50%");
    }

    @Test
    void waitExitsSixWhenTheWorstOutputIsBelowTheGate() {
        api.reportJson = FakeApiServer.report(0.95);

        CliRun result = run("wait", FakeApiServer.JOB_ID, "--min-cosine", "0.99");

        assertThat(result.exitCode()).isEqualTo(ExitCode.BELOW_GATE);
        assertThat(result.out()).contains("below the gate: worst mean cosine 0.950000 < 0.99");
    }

    @Test
    void waitWithoutAGateExitsZeroWhateverTheCosine() {
        api.reportJson = FakeApiServer.report(0.5);

        assertThat(run("wait", FakeApiServer.JOB_ID).exitCode()).isEqualTo(ExitCode.OK);
    }

    @Test
    void waitExitsFourForAFailedJobAndSaysWhy() {
        api.statuses.clear();
        api.statuses.addAll(List.of("RUNNING", "FAILED"));

        CliRun result = run("wait", FakeApiServer.JOB_ID);

        assertThat(result.exitCode()).isEqualTo(ExitCode.JOB_FAILED);
        assertThat(result.out()).contains("FAILED: invalid_model: graph has no nodes");
    }

    @Test
    void waitExitsFiveForACancelledJob() {
        api.statuses.clear();
        api.statuses.addAll(List.of("CANCELLING", "CANCELLED"));

        assertThat(run("wait", FakeApiServer.JOB_ID).exitCode()).isEqualTo(ExitCode.JOB_CANCELLED);
    }

    @Test
    void aRejectedModelExitsThreeWithTheProblemOnOneLine() {
        api.submitProblem = "not an ONNX model: protobuf parse failed at byte 3";
        api.submitStatus = 400;

        CliRun result = run("submit", model.toString(), "-m", "int8");

        assertThat(result.exitCode()).isEqualTo(ExitCode.BAD_MODEL);
        assertThat(result.errorLines()).containsExactly(
                "error: the server rejected the job: Invalid model: not an ONNX model: protobuf parse failed at byte 3 (invalid_model)");
    }

    @Test
    void aServerErrorOnSubmitExitsSeven() {
        api.submitProblem = "database down";
        api.submitStatus = 503;

        assertThat(run("submit", model.toString(), "-m", "int8").exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
    }

    @Test
    void anUnknownJobExitsSevenWithTheProblem() {
        CliRun result = run("status", "no-such-job");

        assertThat(result.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
        assertThat(result.errorLines().getFirst()).contains("404").contains("job_not_found");
    }

    @Test
    void anUnreachableServerExitsSeven() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        CliRun result = CliRun.of("status", FakeApiServer.JOB_ID, "--server", "http://127.0.0.1:" + closedPort);

        assertThat(result.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
        assertThat(result.errorLines().getFirst()).contains("no answer from http://127.0.0.1:" + closedPort);
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run("submit", model.toString()).exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(run("submit", folder.resolve("missing.onnx").toString(), "-m", "int8").exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.of("status", "x", "--server", "ftp://example").exitCode()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void statusPrintsOneLine() {
        CliRun result = run("status", FakeApiServer.JOB_ID);

        assertThat(result.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(result.out().strip())
                .isEqualTo(FakeApiServer.JOB_ID + " SUCCEEDED method=int8 attempt=1 created=2026-01-01T00:00:00Z");
    }

    @Test
    void downloadWritesEveryArtifactVerified() throws IOException {
        byte[] compressed = "compressed model bytes".getBytes(StandardCharsets.UTF_8);
        byte[] report = FakeApiServer.report(0.99).getBytes(StandardCharsets.UTF_8);
        api.artifacts.put("model-int8.onnx", compressed);
        api.artifacts.put("report.json", report);
        Path out = folder.resolve("out");

        CliRun result = run("download", FakeApiServer.JOB_ID, "-o", out.toString());

        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.OK);
        assertThat(out.resolve("model-int8.onnx")).hasBinaryContent(compressed);
        assertThat(out.resolve("report.json")).hasBinaryContent(report);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("model-int8.onnx", "report.json");
        }
    }

    @Test
    void aDownloadThatDoesNotMatchItsDigestIsDeletedAndExitsSeven() throws IOException {
        api.artifacts.put("model-int8.onnx", "compressed".getBytes(StandardCharsets.UTF_8));
        api.corruptDigestOf = "model-int8.onnx";
        Path out = folder.resolve("out");

        CliRun result = run("download", FakeApiServer.JOB_ID, "-o", out.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCode.SERVER_ERROR);
        assertThat(result.errorLines().getFirst()).contains("model-int8.onnx").contains("does not match");
        try (var files = Files.list(out)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void reportPrintsTheSummaryOrTheJson() {
        CliRun table = run("report", FakeApiServer.JOB_ID);
        CliRun json = run("report", FakeApiServer.JOB_ID, "--json");

        assertThat(table.exitCode()).as(table.err()).isEqualTo(ExitCode.OK);
        assertThat(table.out()).contains("int8: job-" + FakeApiServer.JOB_ID + ".onnx").contains("0.999100");
        assertThat(json.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(ApiClient.JSON.readTree(json.out()).path("outputs").get(0).path("cosineMean").asDouble()).isEqualTo(0.9991);
    }

    @Test
    void reportWritesTheServersHtmlPage() throws IOException {
        Path page = folder.resolve("report.html");

        CliRun written = run("report", FakeApiServer.JOB_ID, "--html", page.toString());
        CliRun both = run("report", FakeApiServer.JOB_ID, "--html", page.toString(), "--json");
        CliRun noFolder = run("report", FakeApiServer.JOB_ID, "--html", folder.resolve("missing/report.html").toString());

        assertThat(written.exitCode()).as(written.err()).isEqualTo(ExitCode.OK);
        assertThat(written.out()).contains(page.toString());
        assertThat(Files.readString(page)).startsWith("<!DOCTYPE html>").contains("job " + FakeApiServer.JOB_ID, "0.999100");
        assertThat(both.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(both.err()).contains("--json and --html exclude each other");
        assertThat(noFolder.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(noFolder.err()).contains("--html folder does not exist");
    }

    @Test
    void serverComesFromTheOptionThenTheEnvironmentThenTheLocalDefault() {
        assertThat(ServerOption.resolve("http://api:9000", Map.of(ServerOption.ENV, "http://env:1")))
                .isEqualTo(URI.create("http://api:9000/"));
        assertThat(ServerOption.resolve(null, Map.of(ServerOption.ENV, "https://env.example/modelpress/")))
                .isEqualTo(URI.create("https://env.example/modelpress/"));
        assertThat(ServerOption.resolve(null, Map.of())).isEqualTo(URI.create("http://127.0.0.1:8080/"));
        assertThatThrownBy(() -> ServerOption.resolve("127.0.0.1:8080", Map.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyCommandSendsTheKeyAsABearerToken() {
        api.artifacts.put("model.onnx", new byte[] {1, 2, 3});
        assertThat(run("submit", model.toString(), "-m", "int8", "--wait").exitCode()).isEqualTo(ExitCode.OK);
        assertThat(run("status", FakeApiServer.JOB_ID).exitCode()).isEqualTo(ExitCode.OK);
        assertThat(run("download", FakeApiServer.JOB_ID, "-o", folder.resolve("out").toString()).exitCode()).isEqualTo(ExitCode.OK);
        assertThat(run("report", FakeApiServer.JOB_ID).exitCode()).isEqualTo(ExitCode.OK);
        assertThat(api.authorizations).hasSizeGreaterThan(5).containsOnly("Bearer " + KEY);
    }

    @Test
    void aRefusedKeyExitsEightWithAHintWhereTheKeyComesFrom() {
        for (String[] command : List.of(new String[] {"status", FakeApiServer.JOB_ID},
                new String[] {"submit", model.toString(), "-m", "int8"}, new String[] {"wait", FakeApiServer.JOB_ID},
                new String[] {"report", FakeApiServer.JOB_ID},
                new String[] {"download", FakeApiServer.JOB_ID, "-o", folder.resolve("out").toString()})) {
            List<String> args = new java.util.ArrayList<>(List.of(command));
            args.addAll(List.of("--server", api.url(), "--api-key", "mp_wrong_" + "x".repeat(40)));
            CliRun result = CliRun.of(args.toArray(String[]::new));

            assertThat(result.exitCode()).as(String.join(" ", command) + ": " + result.err()).isEqualTo(ExitCode.UNAUTHORIZED);
            assertThat(result.errorLines()).singleElement().asString().contains("401", "invalid_api_key");
            assertThat(result.err()).contains("--api-key", ServerOption.KEY_ENV, "modelpress serve");
        }
        api.authStatus = 403;
        CliRun forbidden = CliRun.of("status", FakeApiServer.JOB_ID, "--server", api.url(), "--api-key", "mp_user_" + "x".repeat(40));
        assertThat(forbidden.exitCode()).isEqualTo(ExitCode.UNAUTHORIZED);
        assertThat(forbidden.err()).contains("403", "admin key");
    }

    @Test
    void aSubmitOverTheServersLimitsExitsSevenNotThree() {
        api.submitStatus = 429;
        api.submitProblem = "Owner 'ci' has 10 jobs queued or running";
        CliRun result = run("submit", model.toString(), "-m", "int8");
        assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCode.SERVER_ERROR);
        assertThat(result.err()).contains("429");
    }

    @Test
    void keyComesFromTheOptionThenTheEnvironmentThenTheFirstKeyFile() throws IOException {
        Path missing = folder.resolve("missing/api-key");
        Path file = Files.writeString(folder.resolve("api-key"), "  mp_from_file_0123456789abcdef0123456789\n");
        Path other = Files.writeString(folder.resolve("other-key"), "mp_other_file_0123456789abcdef012345678\n");
        Map<String, String> env = Map.of(ServerOption.KEY_ENV, "mp_from_env");

        assertThat(ServerOption.resolveKey("mp_from_option", env, List.of(file))).isEqualTo("mp_from_option");
        assertThat(ServerOption.resolveKey(null, env, List.of(file))).isEqualTo("mp_from_env");
        assertThat(ServerOption.resolveKey(" ", Map.of(ServerOption.KEY_ENV, ""), List.of(missing, file, other)))
                .isEqualTo("mp_from_file_0123456789abcdef0123456789");
        assertThat(ServerOption.resolveKey(null, Map.of(), List.of(missing))).isNull();
        assertThat(ServerOption.defaultKeyFile()).isEqualTo(Path.of(System.getProperty("user.home"), ".modelpress", "api-key"));
    }
}
