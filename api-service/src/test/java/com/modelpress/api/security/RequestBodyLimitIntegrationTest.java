package com.modelpress.api.security;

import com.modelpress.api.support.ApiIntegrationTest;
import com.modelpress.api.support.RawHttp;
import com.modelpress.api.support.TestServices;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attack of the security review (issue 15, item 1): request bodies of a gigabyte, announced and streamed, that
 * the server must refuse without reading. Each request here announces 1 GiB and sends only the first 256 KiB; an
 * answer can only come back if the server decided without waiting for the rest. A server that parses the body first
 * (as Spring's form filter did, before the API key was checked) never answers.
 */
class RequestBodyLimitIntegrationTest extends ApiIntegrationTest {

    private static final long GIGABYTE = 1L << 30;
    private static final int SENT = 256 * 1024;
    private static final String FORM = "Content-Type: application/x-www-form-urlencoded";
    private static final List<String> BODY_METHODS = List.of("PUT", "PATCH", "DELETE", "POST");

    @Test
    void anonymousGigabyteFormBodiesOnKeyedPathsGet401BeforeTheBodyIsRead() throws IOException {
        RawHttp raw = new RawHttp(port);
        for (String path : List.of("/api/v1/jobs", "/api/v1/jobs/" + UUID.randomUUID(), "/api/v1/api-keys",
                "/actuator/prometheus")) {
            for (String method : BODY_METHODS) {
                RawHttp.Answer answer = raw.sendPartOfBody(method, path, GIGABYTE, SENT, (byte) 'a', FORM);
                assertProblem(answer, method + " " + path, 401, "missing_api_key");
            }
        }
    }

    @Test
    void gigabyteBodiesOutsideTheApiGet413BeforeTheBodyIsRead() throws IOException {
        RawHttp raw = new RawHttp(port);
        for (String path : List.of("/actuator/health", "/v3/api-docs", "/no-such-page")) {
            for (String method : BODY_METHODS) {
                RawHttp.Answer answer = raw.sendPartOfBody(method, path, GIGABYTE, SENT, (byte) 'a', FORM);
                assertProblem(answer, method + " " + path, 413, "payload_too_large");
            }
        }
    }

    @Test
    void aKeyDoesNotBuyAnUnboundedBody() throws IOException {
        RawHttp raw = new RawHttp(port);
        String key = "Authorization: Bearer " + TestServices.ADMIN_KEY;
        // JSON endpoints read at most modelpress.api.max-request-body
        assertProblem(raw.sendPartOfBody("POST", "/api/v1/api-keys", GIGABYTE, SENT, (byte) ' ', key,
                "Content-Type: application/json"), "POST /api/v1/api-keys", 413, "payload_too_large");
        // a form body on an endpoint that takes none is not parsed: the answer does not wait for it
        RawHttp.Answer form = raw.sendPartOfBody("PUT", "/api/v1/jobs", GIGABYTE, SENT, (byte) 'a', key, FORM);
        assertProblem(form, "PUT /api/v1/jobs with a key", 413, "payload_too_large");
        // an upload over modelpress.api.max-upload-size is refused by its announced length
        assertProblem(raw.sendPartOfBody("POST", "/api/v1/jobs", GIGABYTE, SENT, (byte) '-', key,
                "Content-Type: multipart/form-data; boundary=xyz"), "POST /api/v1/jobs", 413, "payload_too_large");
    }

    @Test
    void aClientThatWaitsFor100ContinueIsAnsweredWithoutSendingTheBody() throws IOException {
        RawHttp raw = new RawHttp(port);
        RawHttp.Answer anonymous = raw.sendPartOfBody("POST", "/api/v1/jobs", GIGABYTE, 0, (byte) 0,
                "Content-Type: multipart/form-data; boundary=xyz", "Expect: 100-continue");
        assertProblem(anonymous, "anonymous upload with Expect: 100-continue", 401, "missing_api_key");
        RawHttp.Answer tooLarge = raw.sendPartOfBody("POST", "/api/v1/jobs", GIGABYTE, 0, (byte) 0,
                "Content-Type: multipart/form-data; boundary=xyz", "Expect: 100-continue",
                "Authorization: Bearer " + TestServices.ADMIN_KEY);
        assertProblem(tooLarge, "oversized upload with Expect: 100-continue", 413, "payload_too_large");
    }

    private JsonNode assertProblem(RawHttp.Answer answer, String what, int status, String code) {
        assertThat(answer.status()).as("%s: the answer (0: none while the body was still owed)", what).isEqualTo(status);
        assertThat(answer.header("Content-Type")).as(what).startsWith("application/problem+json");
        JsonNode problem = json.readTree(answer.body());
        assertThat(problem.get("code").asString()).as(what).isEqualTo(code);
        assertThat(problem.get("status").asInt()).as(what).isEqualTo(status);
        return problem;
    }
}
