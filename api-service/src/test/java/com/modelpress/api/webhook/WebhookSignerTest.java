package com.modelpress.api.webhook;

import com.modelpress.api.support.StandardWebhooksVerifier;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookSignerTest {

    /** The test vector the Standard Webhooks reference libraries share. */
    @Test
    void matchesTheReferenceVector() {
        String header = WebhookSigner.signatureHeader("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}", List.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
        assertThat(header).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void anIndependentVerifierAcceptsItAndNothingElse() {
        String secret = WebhookSecrets.generate();
        String body = "{\"type\":\"job.succeeded\",\"data\":{\"id\":\"é\"}}";
        String header = WebhookSigner.signatureHeader("msg_1", 1700000000, body, List.of(secret));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);

        assertThat(StandardWebhooksVerifier.verifies(secret, "msg_1", "1700000000", bytes, header)).isTrue();
        assertThat(StandardWebhooksVerifier.verifies(secret, "msg_2", "1700000000", bytes, header)).as("other id").isFalse();
        assertThat(StandardWebhooksVerifier.verifies(secret, "msg_1", "1700000001", bytes, header)).as("other time").isFalse();
        assertThat(StandardWebhooksVerifier.verifies(secret, "msg_1", "1700000000",
                (body + " ").getBytes(StandardCharsets.UTF_8), header)).as("other body").isFalse();
        assertThat(StandardWebhooksVerifier.verifies(WebhookSecrets.generate(), "msg_1", "1700000000", bytes, header))
                .as("other secret").isFalse();
    }

    @Test
    void duringARotationBothSecretsSign() {
        String current = WebhookSecrets.generate();
        String previous = WebhookSecrets.generate();
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String header = WebhookSigner.signatureHeader("msg_1", 5, "{}", List.of(current, previous));

        assertThat(header.split(" ")).hasSize(2).allMatch(signature -> signature.startsWith("v1,"));
        assertThat(StandardWebhooksVerifier.matches(current, "msg_1", "5", body, header)).isEqualTo(1);
        assertThat(StandardWebhooksVerifier.matches(previous, "msg_1", "5", body, header)).isEqualTo(1);
    }

    @Test
    void secretsHaveTheStandardFormat() {
        String secret = WebhookSecrets.generate();
        assertThat(secret).startsWith("whsec_");
        assertThat(WebhookSecrets.key(secret)).hasValueSatisfying(key -> assertThat(key).hasSize(32));
        assertThat(WebhookSecrets.generate()).isNotEqualTo(secret);
        assertThat(WebhookSecrets.key("whsec_c2hvcnQ=")).as("5 bytes is too short").isEmpty();
        assertThat(WebhookSecrets.key("mp_not_a_secret")).isEmpty();
        assertThatThrownBy(() -> WebhookSigner.signatureHeader("msg_1", 1, "{}", List.of("nope")))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
