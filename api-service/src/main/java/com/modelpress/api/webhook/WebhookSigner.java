package com.modelpress.api.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">}, one per
 * secret, space-separated (during a rotation the old and the new secret both sign). Thread-safe.
 */
final class WebhookSigner {

    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSigner() {
    }

    /**
     * @param timestamp seconds since the epoch, the {@code webhook-timestamp} header
     * @param secrets   {@code whsec_} secrets, the current one first
     * @return the {@code webhook-signature} header
     * @throws IllegalArgumentException when a secret is not a {@code whsec_} secret
     */
    static String signatureHeader(String webhookId, long timestamp, String body, List<String> secrets) {
        byte[] content = (webhookId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8);
        return secrets.stream().map(secret -> "v1," + sign(secret, content)).collect(Collectors.joining(" "));
    }

    private static String sign(String secret, byte[] content) {
        byte[] key = WebhookSecrets.key(secret)
                .orElseThrow(() -> new IllegalArgumentException("not a whsec_ secret of 24 to 64 bytes"));
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return Base64.getEncoder().encodeToString(mac.doFinal(content));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
