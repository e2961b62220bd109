package com.modelpress.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookVerifyCommandTest {

    /** The Standard Webhooks reference vector: secret, id, timestamp, body and the signature they make. */
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final String TIMESTAMP = "1614265330";
    private static final String BODY = "{\"test\": 2432232314}";
    private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @TempDir
    Path folder;

    @Test
    void aCorrectSignatureVerifies() throws IOException {
        Path body = Files.writeString(folder.resolve("body.json"), BODY);
        Path headers = Files.writeString(folder.resolve("headers.txt"), """
                HTTP/1.1 POST
                Content-Type: application/json
                Webhook-Id: %s
                webhook-timestamp: %s
                webhook-signature: v1,bm90IGl0 %s
                """.formatted(ID, TIMESTAMP, SIGNATURE));

        CliRun run = CliRun.of("webhook", "verify", "--secret", SECRET, "--headers", headers.toString(),
                "--ignore-timestamp", body.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCode.OK);
        assertThat(run.out()).contains("valid", ID, "signature 2 of 2");
    }

    @Test
    void aChangedBodyOrAnotherSecretDoesNot() throws IOException {
        Path changed = Files.writeString(folder.resolve("changed.json"), "{\"test\":2432232314}");
        CliRun reserialised = CliRun.of("webhook", "verify", "--secret", SECRET, "--id", ID, "--timestamp", TIMESTAMP,
                "--signature", SIGNATURE, "--ignore-timestamp", changed.toString());
        assertThat(reserialised.exitCode()).isEqualTo(ExitCode.BAD_SIGNATURE);
        assertThat(reserialised.err()).contains("invalid", "re-serialised");

        Path body = Files.writeString(folder.resolve("body.json"), BODY);
        CliRun otherSecret = CliRun.of("webhook", "verify", "--secret", "whsec_" + "A".repeat(43) + "=", "--id", ID,
                "--timestamp", TIMESTAMP, "--signature", SIGNATURE, "--ignore-timestamp", body.toString());
        assertThat(otherSecret.exitCode()).isEqualTo(ExitCode.BAD_SIGNATURE);
    }

    @Test
    void anOldTimestampIsAReplayUnlessTheCheckIsOff() throws IOException {
        Path body = Files.writeString(folder.resolve("body.json"), BODY);
        CliRun replay = CliRun.of("webhook", "verify", "--secret", SECRET, "--id", ID, "--timestamp", TIMESTAMP,
                "--signature", SIGNATURE, body.toString());
        assertThat(replay.exitCode()).isEqualTo(ExitCode.BAD_SIGNATURE);
        assertThat(replay.err()).contains("replay");
        assertThat(Instant.ofEpochSecond(Long.parseLong(TIMESTAMP))).isBefore(Instant.now().minusSeconds(3600));
    }

    @Test
    void missingInputsAreUsageErrors() throws IOException {
        Path body = Files.writeString(folder.resolve("body.json"), BODY);
        assertThat(CliRun.of("webhook", "verify", "--secret", SECRET, body.toString()).exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(CliRun.of("webhook", "verify", "--secret", "plain", "--id", ID, "--timestamp", TIMESTAMP,
                "--signature", SIGNATURE, body.toString()).exitCode()).isEqualTo(ExitCode.USAGE);
    }
}
