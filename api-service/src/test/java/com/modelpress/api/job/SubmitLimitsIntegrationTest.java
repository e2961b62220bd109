package com.modelpress.api.job;

import com.modelpress.api.support.ApiClient;
import com.modelpress.api.support.ApiClient.RawPart;
import com.modelpress.api.support.ApiIntegrationTest;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 15, items 2, 4 and 14 against the real API: every part of a submit that is read into memory is bounded
 * (the request part at modelpress.api.max-job-request-size, 64 KiB, whether it comes as a form field or as a file),
 * every string and list of the compression request is bounded, and a body that is not multipart is a 400.
 * Nothing of a refused submit is stored.
 */
class SubmitLimitsIntegrationTest extends ApiIntegrationTest {

    /** The longest node name a request may hold (CompressionSpec.MAX_NAME_LENGTH). */
    private static final int NAME_LIMIT = 1024;
    private static final byte[] MODEL = "onnx bytes; the API does not parse them".getBytes(StandardCharsets.UTF_8);

    /** A valid request of about {@code bytes} bytes: excludeNodes with 100-character names. */
    private static String requestOf(int bytes) {
        String name = "n".repeat(96);
        String names = IntStream.range(0, bytes / 102).mapToObj(i -> "\"%s%04d\"".formatted(name, i % 10_000))
                .collect(Collectors.joining(","));
        return "{\"method\":\"int8\",\"options\":{\"excludeNodes\":[" + names + "]}}";
    }

    @Test
    void aRequestPartOverItsLimitIsRefusedAsFileAndAsField() {
        byte[] large = requestOf(900 * 1024).getBytes(StandardCharsets.UTF_8);
        RawPart model = new RawPart("model", "model.onnx", "application/octet-stream", MODEL);
        for (RawPart request : List.of(new RawPart("request", "request.json", "application/json", large),
                new RawPart("request", null, "application/json", large))) {
            ApiClient.Response refused = api.submitParts(model, request);
            refused.problem(413, "payload_too_large");
        }
        // just under the limit is fine, in either form
        byte[] fits = requestOf(60 * 1024).getBytes(StandardCharsets.UTF_8);
        assertThat(fits.length).isLessThan(64 * 1024);
        assertThat(api.submitParts(model, new RawPart("request", "r.json", "application/json", fits)).status()).isEqualTo(202);
        assertThat(api.submitParts(model, new RawPart("request", null, "application/json", fits)).status()).isEqualTo(202);
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isEqualTo(2);
    }

    @Test
    void everyStringAndListOfTheRequestIsBounded() throws Exception {
        String longName = "x".repeat(NAME_LIMIT + 1);
        JsonNode problem = api.submit(MODEL, "model.onnx",
                "{\"method\":\"int8\",\"options\":{\"excludeNodes\":[\"" + longName + "\"]}}", null).problem(422, "validation_failed");
        assertThat(problem.get("errors").valueStream().map(e -> e.get("field").asString()))
                .containsExactly("options.excludeNodes");
        // control characters in names would end up in logs and worker messages
        api.submit(MODEL, "model.onnx",
                "{\"method\":\"int8\",\"options\":{\"excludeNodes\":[\"a\\u0000b\"]}}", null).problem(422, "validation_failed");
        api.submit(MODEL, "model.onnx",
                "{\"method\":\"int8\",\"metadata\":{\"k\\u0007\":\"v\"}}", null).problem(422, "validation_failed");
        api.submit(MODEL, "model.onnx",
                "{\"method\":\"" + "i".repeat(10_000) + "\"}", null).problem(422, "validation_failed");
        String atLimit = "y".repeat(NAME_LIMIT);
        assertThat(api.submit(MODEL, "model.onnx",
                "{\"method\":\"int8\",\"options\":{\"excludeNodes\":[\"" + atLimit + "\"]}}", null).status()).isEqualTo(202);
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void aBodyThatIsNotMultipartIs400NotA500() {
        MediaType multipart = MediaType.parseMediaType("multipart/form-data; boundary=xyz");
        // no boundary line at all reads as a body without parts
        api.send("POST", "/api/v1/jobs", multipart, "this is not multipart".getBytes())
                .problem(400, "missing_part");
        api.send("POST", "/api/v1/jobs", multipart,
                "--xyz\r\nContent-Disposition: form-data; name=\"model\"; filename=\"m.onnx\"\r\n\r\ncut sh".getBytes())
                .problem(400, "malformed_multipart");
        api.send("POST", "/api/v1/jobs", MediaType.MULTIPART_FORM_DATA, "no boundary at all".getBytes())
                .problem(400, "malformed_multipart");
        assertThat(jdbc.sql("select count(*) from jobs").query(Long.class).single()).isZero();
    }

}
