package com.modelpress.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code modelpress webhook verify}: checks a Standard Webhooks signature the way a receiver must — HMAC-SHA256 over
 * {@code webhook-id.webhook-timestamp.body} with the {@code whsec_} secret, any of the space-separated {@code v1,}
 * signatures may match (during a rotation there are two), compared in constant time, and the timestamp within a
 * tolerance of now (replays of old deliveries are refused).
 */
@Command(name = "verify",
        mixinStandardHelpOptions = true,
        versionProvider = ModelPressCommand.Version.class,
        description = {"Check that a webhook body was signed with your secret (Standard Webhooks: webhook-id, "
                + "webhook-timestamp, webhook-signature).",
                "Give the headers with --headers FILE (lines 'name: value', e.g. as 'curl -D' or your receiver saved "
                        + "them) or one by one; the body exactly as received (a file, or - for stdin)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {ExitCode.HELP_OK, ExitCode.HELP_FAILED, ExitCode.HELP_USAGE, ExitCode.HELP_BAD_SIGNATURE})
final class WebhookVerifyCommand implements Callable<Integer> {

    static final String SECRET_ENV = "MODELPRESS_WEBHOOK_SECRET";

    @Spec
    CommandSpec spec;

    @Option(names = "--secret", paramLabel = "whsec_…",
            description = "The signing secret (default: $" + SECRET_ENV + "). Prefer the variable: options show in "
                    + "process lists.")
    String secret;

    @Option(names = "--headers", paramLabel = "FILE", description = "The request's headers, one 'name: value' a line.")
    Path headersFile;

    @Option(names = "--id", paramLabel = "ID", description = "The webhook-id header.")
    String id;

    @Option(names = "--timestamp", paramLabel = "SECONDS", description = "The webhook-timestamp header.")
    String timestamp;

    @Option(names = "--signature", paramLabel = "SIGNATURES", description = "The webhook-signature header.")
    String signature;

    @Option(names = "--tolerance", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How far the timestamp may be from now (default: ${DEFAULT-VALUE}).")
    Duration tolerance = Duration.ofMinutes(5);

    @Option(names = "--ignore-timestamp",
            description = "Do not check the timestamp's age (to check a delivery saved earlier).")
    boolean ignoreTimestamp;

    @Parameters(index = "0", paramLabel = "BODY", description = "The body as received: a file, or - for stdin.")
    String body;

    Clock clock = Clock.systemUTC();
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> headers = headersFile == null ? Map.of() : readHeaders(headersFile);
        String key = secret != null ? secret : environment.get(SECRET_ENV);
        String webhookId = id != null ? id : headers.get("webhook-id");
        String time = timestamp != null ? timestamp : headers.get("webhook-timestamp");
        String signatures = signature != null ? signature : headers.get("webhook-signature");
        if (key == null || key.isBlank()) {
            throw new ParameterException(spec.commandLine(), "no secret: pass --secret or set $" + SECRET_ENV);
        }
        if (webhookId == null || time == null || signatures == null) {
            throw new ParameterException(spec.commandLine(), "missing webhook-id, webhook-timestamp or webhook-signature: "
                    + "pass --headers FILE or --id, --timestamp and --signature");
        }
        byte[] hmacKey = keyOf(key.strip());
        byte[] content = readBody();
        long seconds;
        try {
            seconds = Long.parseLong(time.strip());
        } catch (NumberFormatException e) {
            err.println("invalid: webhook-timestamp '" + time + "' is not seconds since the epoch");
            err.flush();
            return ExitCode.BAD_SIGNATURE;
        }
        byte[] expected = hmac(hmacKey, (webhookId.strip() + "." + seconds + ".").getBytes(StandardCharsets.UTF_8), content);
        String[] presented = signatures.strip().split(" +");
        int matched = 0;
        for (int i = 0; i < presented.length && matched == 0; i++) {
            if (matches(presented[i], expected)) {
                matched = i + 1;
            }
        }
        if (matched == 0) {
            err.println("invalid: none of the %d signature(s) is by this secret over this id, timestamp and body "
                    .formatted(presented.length) + "(was the body changed, e.g. parsed and re-serialised?)");
            err.flush();
            return ExitCode.BAD_SIGNATURE;
        }
        Duration age = Duration.between(Instant.ofEpochSecond(seconds), clock.instant());
        if (!ignoreTimestamp && age.abs().compareTo(tolerance) > 0) {
            err.println("invalid: the signature matches, but the timestamp is %s from now (tolerance %s): a replay?"
                    .formatted(age.abs(), tolerance));
            err.flush();
            return ExitCode.BAD_SIGNATURE;
        }
        out.println("valid: %s signed with this secret (signature %d of %d), timestamp %s"
                .formatted(webhookId.strip(), matched, presented.length, Instant.ofEpochSecond(seconds)));
        out.flush();
        return ExitCode.OK;
    }

    private byte[] keyOf(String whsec) {
        if (!whsec.startsWith("whsec_")) {
            throw new ParameterException(spec.commandLine(), "the secret must start with whsec_");
        }
        try {
            return Base64.getDecoder().decode(whsec.substring("whsec_".length()));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "the secret is not whsec_ followed by base64", e);
        }
    }

    private byte[] readBody() throws IOException {
        return body.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(body));
    }

    /** {@code name: value} lines; names in lower case; a status line or anything without a colon is skipped. */
    static Map<String, String> readHeaders(Path file) throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            int colon = line.indexOf(':');
            if (colon > 0 && !line.startsWith("HTTP/")) {
                headers.putIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
        }
        return headers;
    }

    private static boolean matches(String signature, byte[] expected) {
        int comma = signature.indexOf(',');
        if (comma < 0 || !signature.substring(0, comma).equals("v1")) {
            return false;
        }
        try {
            return MessageDigest.isEqual(expected, Base64.getDecoder().decode(signature.substring(comma + 1)));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] hmac(byte[] key, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
