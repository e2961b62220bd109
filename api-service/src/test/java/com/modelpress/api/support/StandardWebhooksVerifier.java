package com.modelpress.api.support;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * A receiver's check of a Standard Webhooks signature, written from the specification's text and independent of the
 * API's signer: the secret is {@code whsec_} + base64 key; the signed content is {@code id.timestamp.body} (body as
 * received, byte for byte); {@code webhook-signature} is a space-separated list of {@code v1,<base64 HMAC-SHA256>}, any
 * one of which may match (constant-time comparison).
 */
public final class StandardWebhooksVerifier {

    private StandardWebhooksVerifier() {
    }

    /** @return how many of the header's v1 signatures {@code secret} produced (0: not signed with it) */
    public static int matches(String secret, String webhookId, String timestamp, byte[] body, String signatureHeader) {
        byte[] expected = hmac(secret, webhookId, timestamp, body);
        int matches = 0;
        for (String signature : signatureHeader.split(" ")) {
            int comma = signature.indexOf(',');
            if (comma < 0 || !signature.substring(0, comma).equals("v1")) {
                continue;
            }
            byte[] presented;
            try {
                presented = Base64.getDecoder().decode(signature.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, presented)) {
                matches++;
            }
        }
        return matches;
    }

    public static boolean verifies(String secret, String webhookId, String timestamp, byte[] body, String signatureHeader) {
        return matches(secret, webhookId, timestamp, body, signatureHeader) > 0;
    }

    static byte[] hmac(String secret, String webhookId, String timestamp, byte[] body) {
        if (!secret.startsWith("whsec_")) {
            throw new IllegalArgumentException("not a whsec_ secret");
        }
        byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        byte[] prefix = (webhookId + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, content, 0, prefix.length);
        System.arraycopy(body, 0, content, prefix.length, body.length);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
